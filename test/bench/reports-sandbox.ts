/**
 * Child process of the reports bench (reports-part.ts): the NexHealth sandbox grown by `argv[2]`
 * patients at the smile-dental location (the deterministic size knob, src/sandbox/nexhealth/seed-scale.ts),
 * with the spec's real rate limits ON and every call answered `argv[3]` ms after it arrived. IPC as
 * sandbox-process.ts: `requests`, `resetRequestLog`, `close`; `ready` carries the connection and the
 * location's row counts (to compute pages).
 */
import { addScalePatients, createNexSeed, faultRulesFromJson, startNexhealthSandbox } from '../../src/sandbox/nexhealth';

const patients = Number(process.argv[2] ?? 1_000);
const latencyMs = Number(process.argv[3] ?? 20);
const seed = createNexSeed();
addScalePatients(seed, { patients });
const nex = await startNexhealthSandbox({ port: 0, rateLimits: {}, insertion: 'manual', seed });
nex.faults.add(faultRulesFromJson(JSON.stringify([{ responseTimeMs: latencyMs }]))[0]!);
const location = Number(nex.locations.openDental);
const here = <T extends { location_id: number }>(rows: readonly T[]) => rows.filter((r) => r.location_id === location).length;

process.on('message', (msg: { seq: number; type: string }) => {
  const reply = (body: Record<string, unknown>) => process.send!({ seq: msg.seq, ok: true, ...body });
  if (msg.type === 'requests') reply({ requests: nex.requests.map((r) => ({ path: r.path, status: r.status, query: r.query })) });
  else if (msg.type === 'requestsFull') reply({ requests: nex.requests });
  else if (msg.type === 'resetRequestLog') {
    nex.resetRequestLog();
    reply({});
  } else if (msg.type === 'close') void nex.close().then(() => process.exit(0));
});
process.send!({
  type: 'ready',
  nex: { url: nex.url, apiKey: nex.apiKey, subdomain: nex.subdomain, institutionId: nex.institutionId, locations: nex.locations },
  rows: {
    patients: here(seed.patients),
    guarantorBalances: here(seed.guarantorBalances),
    payments: seed.payments.filter((p) => p.location_id === location && !p.deleted_at).length,
  },
});
