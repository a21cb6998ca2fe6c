/**
 * The bench's FHIR practice: open-fhir (generic profile, batch Bundles) on the FHIR sandbox in the
 * sandbox process, every FHIR call answered `latencyMs` after it arrived. Measures the family ledger
 * and the balance + itemized invoice like the NexHealth operations (upstream calls, levels, p50 /
 * p95 / p99), and beside each the same floor: the operation's own upstream requests, replayed level
 * by level with a plain undici pool and JSON.parse (no GraphQL, no adapter), so what the gateway adds
 * over the reads it has to make is visible.
 *
 * Token, SMART discovery and `metadata` calls are cached by the adapter for minutes and are not
 * counted (the first operation of a gateway makes them; warm ones do not).
 */
import { Agent, request } from 'undici';
import { GENERIC_SEED } from '../../src/sandbox/fhir';
import type { FhirRecordedRequest } from '../../src/sandbox/fhir/context';
import { FAMILY_QUERY } from '../e2e/documents';
import { FHIR_CALL_CEILINGS, type FhirOperationKey } from './call-ceilings';
import { INVOICE_QUERY } from './operations';
import { FHIR_PRACTICE, gql, type BenchWorld } from './setup';
import { duplicateRequests, now, requestLevels, summarize } from './stats';

export interface FhirOpResult {
  key: FhirOperationKey;
  label: string;
  upstream: number;
  duplicates: number;
  levels: number;
  criticalPathMs: number;
  latency: { p50: number; p95: number; p99: number; n: number };
  floor: { latency: { p50: number; p95: number; p99: number; n: number } };
}

const OPERATIONS: Array<{ key: FhirOperationKey; label: string; query: string; variables: Record<string, unknown> }> = [
  {
    key: 'family',
    label: `${FHIR_PRACTICE} family ledger (Alvarez, generic FHIR)`,
    query: FAMILY_QUERY,
    variables: { practiceId: FHIR_PRACTICE, guarantorId: GENERIC_SEED.alvarez.patientId },
  },
  {
    key: 'invoice',
    label: `${FHIR_PRACTICE} balance + itemized invoice (${GENERIC_SEED.alvarez.patientId})`,
    query: INVOICE_QUERY,
    variables: { practiceId: FHIR_PRACTICE, patientId: GENERIC_SEED.alvarez.patientId },
  },
];

/** The data calls of a log: SMART token, discovery and the CapabilityStatement left out. */
const dataCalls = (rs: readonly FhirRecordedRequest[]) => rs.filter((r) => !/\/token$|\.well-known|\/metadata$/.test(r.path));

/** The recorded requests as a plain client would send them, level by level (each level in parallel). */
function plainReplay(sandboxUrl: string, traced: readonly FhirRecordedRequest[], latencyMs: number, agent: Agent) {
  const byLevel = new Map<number, FhirRecordedRequest[]>();
  for (const { request: r, level } of requestLevels(traced, latencyMs)) byLevel.set(level, [...(byLevel.get(level) ?? []), r]);
  const levels = [...byLevel.keys()].sort((a, b) => a - b).map((l) => byLevel.get(l)!);
  const send = async (r: FhirRecordedRequest) => {
    const query = new URLSearchParams();
    for (const [k, v] of Object.entries(r.query)) for (const one of Array.isArray(v) ? v : [v]) query.append(k, one);
    const qs = query.toString();
    const headers: Record<string, string> = { accept: 'application/fhir+json' };
    if (typeof r.headers.authorization === 'string') headers.authorization = r.headers.authorization;
    if (r.body !== undefined) headers['content-type'] = 'application/fhir+json';
    const res = await request(`${sandboxUrl}${r.path}${qs ? `?${qs}` : ''}`, {
      method: r.method as 'GET' | 'POST',
      headers,
      body: r.body === undefined ? undefined : JSON.stringify(r.body),
      dispatcher: agent,
    });
    if (res.statusCode >= 300) throw new Error(`FHIR floor: ${r.method} ${r.path} answered ${res.statusCode}`);
    JSON.parse(await res.body.text());
  };
  return async () => {
    for (const level of levels) await Promise.all(level.map(send));
  };
}

export async function fhirPart(world: BenchWorld, options: { iterations: number; latencyMs: number }): Promise<FhirOpResult[]> {
  const gateway = await world.gateway();
  const fault = await world.fhir.addFault({ responseTimeMs: options.latencyMs });
  const agent = new Agent({ connections: 16 });
  try {
    const results: FhirOpResult[] = [];
    for (const op of OPERATIONS) {
      const once = async () => {
        const response = await gql(gateway.url, op.query, op.variables);
        if (response.errors) throw new Error(`fhir ${op.key}: ${JSON.stringify(response.errors).slice(0, 500)}`);
      };
      await once(); // cold: token, discovery, metadata
      await world.fhir.resetRequestLog();
      await once();
      const traced = dataCalls(await world.fhir.requests());
      const levels = Math.max(0, ...requestLevels(traced, options.latencyMs).map((r) => r.level));
      const timed = async (run: () => Promise<void>) => {
        for (let i = 0; i < 3; i += 1) await run(); // warm-up, untimed
        const times: number[] = [];
        for (let i = 0; i < options.iterations; i += 1) {
          const t0 = now();
          await run();
          times.push(now() - t0);
        }
        return summarize(times);
      };
      const latency = await timed(once);
      const floor = await timed(plainReplay(world.fhir.url, traced, options.latencyMs, agent));
      results.push({
        key: op.key,
        label: op.label,
        upstream: traced.length,
        duplicates: duplicateRequests(traced),
        levels,
        criticalPathMs: levels * options.latencyMs,
        latency,
        floor: { latency: floor },
      });
    }
    return results;
  } finally {
    await agent.close();
    await world.fhir.removeFault(fault);
    await gateway.close();
  }
}

/** What rose above `FHIR_CALL_CEILINGS`, one sentence each. */
export function fhirCallCountRises(results: readonly FhirOpResult[]): string[] {
  return results
    .filter((r) => r.upstream > FHIR_CALL_CEILINGS[r.key])
    .map(
      (r) => `${FHIR_PRACTICE} ${r.key}: expected at most ${FHIR_CALL_CEILINGS[r.key]} upstream calls, measured ${r.upstream}`,
    );
}
