/**
 * A sandbox's request log, for tests: every request's method, path, parsed query, headers, body,
 * time and the status it was answered with.
 */
import type { ServerResponse } from 'node:http';

/** A parsed query: keys ending in `[]` are always arrays (`include[]`), other keys the last value sent. */
export type ParsedQuery = Record<string, string | string[]>;

export interface RecordedRequest {
  method: string;
  /** Path without the query string. */
  path: string;
  query: ParsedQuery;
  /** Lower-cased header names. */
  headers: Record<string, string | string[] | undefined>;
  /** The parsed JSON body of a write (`undefined` when none or unparsable). */
  body: unknown;
  /** `Date.now()` when the request arrived. */
  time: number;
  /** The status answered; `null` for a reset connection or while in flight. */
  status: number | null;
  /** `Date.now()` when the answer was written; `null` for a reset connection or while in flight. */
  answeredAt?: number | null;
}

export function parseQuery(params: URLSearchParams): ParsedQuery {
  const query: ParsedQuery = {};
  for (const [key, value] of params) {
    if (key.endsWith('[]')) {
      const existing = query[key];
      query[key] = Array.isArray(existing) ? [...existing, value] : [value];
    } else {
      query[key] = value;
    }
  }
  return query;
}

/**
 * Log a request as it arrives: push `entry` to `log` and, when its answer is written, fill in the
 * status and `answeredAt` (by `now`, the simulator's clock; default `Date.now`). A reset connection
 * never finishes, so its entry keeps `status: null`.
 */
export function logRequest<E extends RecordedRequest>(
  log: E[],
  entry: E,
  res: ServerResponse,
  now: () => number = Date.now,
): void {
  log.push(entry);
  res.on('finish', () => {
    entry.status = res.statusCode;
    entry.answeredAt = now();
  });
}
