/**
 * The flooding case of issue #11, measured (not asserted): practice A (smile-dental) sends rounds of
 * concurrent `patients(first: 200)` balance queries while practice B (bright-dentrix, the SAME
 * NexHealth key) sends small balance queries one after another. The sandbox enforces the spec's rate
 * limits. Prints upstream calls, 429s, A's errors and B's latencies (p50/p95/max) and errors.
 *
 *     npx tsx test/bench/upstream-fairness.ts            # 3 rounds of 10 concurrent floods
 *     FLOOD_ROUNDS=5 FLOOD_CONCURRENCY=16 npx tsx test/bench/upstream-fairness.ts
 *
 * Runs on any checkout (it uses only the public API and the e2e harness), so the same script gives
 * the before (main) and after figures.
 */
import { NEX_SEED } from '../../src/sandbox/nexhealth';
import { startTestGateway } from '../e2e/harness';

const rounds = Number(process.env.FLOOD_ROUNDS ?? 3);
const concurrency = Number(process.env.FLOOD_CONCURRENCY ?? 10);
const FLOOD = '{ practice(id: "smile-dental") { patients(first: 200) { nodes { sourceId balance { total { amount } } } } } }';
const SMALL = `{ patient(practiceId: "bright-dentrix", patientId: "${NEX_SEED.families.brennan.guarantorId}") { balance { total { amount } } } }`;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

const t = await startTestGateway({
  nexhealth: { rateLimits: {} },
  gateway: { adapterOptions: { maxRetries: 3, retryBaseDelayMs: 200, timeoutMs: 10_000 } },
});
const started = performance.now();
let flooding = true;
let aErrors = 0;
const flood = (async () => {
  for (let r = 0; r < rounds; r++) {
    const results = await Promise.all(Array.from({ length: concurrency }, () => t.gql(FLOOD)));
    aErrors += results.filter((x) => x.errors?.length).length;
  }
  flooding = false;
})();
const latencies: number[] = [];
let bErrors = 0;
const bCodes = new Set<string>();
while (flooding) {
  const at = performance.now();
  const result = await t.gql(SMALL);
  latencies.push(performance.now() - at);
  if (result.errors?.length) {
    bErrors++;
    for (const e of result.errors) bCodes.add(String(e.extensions?.code));
  }
}
await flood;
const elapsed = performance.now() - started;
const requests = t.nex.requests;
const sorted = [...latencies].sort((a, b) => a - b);
console.log(
  JSON.stringify(
    {
      floodQueries: rounds * concurrency,
      floodQueriesWithErrors: aErrors,
      upstreamCalls: requests.length,
      upstream429s: requests.filter((r) => r.status === 429).length,
      bQueries: latencies.length,
      bQueriesWithErrors: bErrors,
      bErrorCodes: [...bCodes],
      bLatencyMs: {
        p50: Math.round(percentile(sorted, 50)),
        p95: Math.round(percentile(sorted, 95)),
        max: Math.round(sorted.at(-1) ?? 0),
      },
      elapsedMs: Math.round(elapsed),
    },
    null,
    2,
  ),
);
await t.close();
