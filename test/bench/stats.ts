/** Percentiles, upstream "levels" from a sandbox request log, and table printing. */
import type { RecordedRequest } from '../../src/sandbox/nexhealth';

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

export function summarize(values: readonly number[]): { p50: number; p95: number; p99: number; n: number } {
  const sorted = [...values].sort((a, b) => a - b);
  return { p50: percentile(sorted, 50), p95: percentile(sorted, 95), p99: percentile(sorted, 99), n: sorted.length };
}

/**
 * Dependent upstream levels of one operation, from the arrival times in the sandbox's log with a fixed
 * injected latency L: a request is one level deeper than the deepest request that had already been
 * answered when it arrived (arrival + L ≤ its arrival, with a small tolerance). Requests that waited
 * for a free connection (the adapter's concurrency limit) count as deeper levels too, as they are on
 * the critical path.
 */
export function upstreamLevels(requests: readonly RecordedRequest[], latencyMs: number, toleranceMs = 2): number {
  return Math.max(0, ...requestLevels(requests, latencyMs, toleranceMs).map((r) => r.level));
}

/** Each request with its level (see `upstreamLevels`), in arrival order. */
export function requestLevels<R extends Pick<RecordedRequest, 'time'>>(
  requests: readonly R[],
  latencyMs: number,
  toleranceMs = 2,
): Array<{ request: R; level: number }> {
  const sorted = [...requests].sort((a, b) => a.time - b.time);
  const level: number[] = [];
  sorted.forEach((r, i) => {
    let deepest = 0;
    for (let j = 0; j < i; j += 1) {
      if (sorted[j]!.time + latencyMs <= r.time + toleranceMs) deepest = Math.max(deepest, level[j]!);
    }
    level[i] = deepest + 1;
  });
  return sorted.map((request, i) => ({ request, level: level[i]! }));
}

/** Identical requests (method, path, query and body) in one operation. */
export function duplicateRequests(requests: readonly RecordedRequest[]): number {
  const seen = new Set<string>();
  let duplicates = 0;
  for (const r of requests) {
    const q = Object.keys(r.query)
      .sort()
      .map((k) => `${k}=${JSON.stringify(r.query[k])}`)
      .join('&');
    // A write's identity is its body too (FHIR batch Bundles all POST to the service root).
    const key = `${r.method} ${r.path}?${q}${r.body === undefined ? '' : ` ${JSON.stringify(r.body)}`}`;
    if (seen.has(key)) duplicates += 1;
    seen.add(key);
  }
  return duplicates;
}

export function table(headers: string[], rows: Array<Array<string | number>>): string {
  const cells = [headers, ...rows.map((r) => r.map((c) => (typeof c === 'number' ? fmt(c) : c)))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => String(r[i] ?? '').length)));
  const line = (r: Array<string | number>) => '| ' + r.map((c, i) => String(c ?? '').padEnd(widths[i]!)).join(' | ') + ' |';
  return [line(cells[0]!), '|' + widths.map((w) => '-'.repeat(w + 2)).join('|') + '|', ...cells.slice(1).map(line)].join('\n');
}

export function fmt(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  if (Number.isInteger(n)) return String(n);
  return Math.abs(n) >= 100 ? n.toFixed(0) : Math.abs(n) >= 10 ? n.toFixed(1) : n.toFixed(2);
}

export const now = () => performance.timeOrigin + performance.now();
