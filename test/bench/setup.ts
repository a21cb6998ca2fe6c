/**
 * The bench's world: the sandboxes in a child process (sandbox-process.ts), and gateways in this
 * process on loopback port 0 with a `memory://` store. The NexHealth adapter may be built with other
 * options (e.g. `referenceTtlMs: 0`). The sandbox is driven through {@link BenchNex}, a small IPC
 * proxy: its fault knobs, request log and manual insertions; the FHIR sandbox (open-fhir) through
 * {@link BenchFhir}.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Agent, request } from 'undici';
import { parseConfig, type GatewayConfig } from '../../src/config';
import { createNexhealthAdapter, nexhealthConnectionSchema } from '../../src/adapters/ledger/nexhealth';
import type { NexhealthAdapterOptions } from '../../src/adapters/ledger/nexhealth/types';
import { athenahealthSandboxPractices } from '../../src/sandbox/athenahealth/mode';
import { nexhealthSandboxPractices } from '../../src/sandbox/nexhealth/mode';
import { createLogger } from '../../src/logging/logger';
import { defaultAdapterFactory, startGateway, type RunningGateway } from '../../src/server/gateway';
import type { AthenahealthSandbox } from '../../src/sandbox/athenahealth';
import type { NexhealthSandbox, RecordedRequest } from '../../src/sandbox/nexhealth';
import type { FhirSandbox } from '../../src/sandbox/fhir';
import type { FhirRecordedRequest } from '../../src/sandbox/fhir/context';
import { fhirSandboxPractices } from '../../src/sandbox/fhir/mode';

export const BENCH_KEY = 'bench-key-all-practices-000000000001';
export const PRACTICE = 'smile-dental';
/** The bench's FHIR practice: generic profile (batch Bundles), see fhir-part.ts. */
export const FHIR_PRACTICE = 'open-fhir';

/** The NexHealth sandbox as the bench sees it across the process boundary. */
export interface BenchNex extends Pick<NexhealthSandbox, 'url' | 'apiKey' | 'subdomain' | 'institutionId' | 'locations'> {
  /** Add a JSON fault rule (e.g. `{ responseTimeMs: 20 }`); resolves to its id. */
  addFault(rule: { latencyMs?: number; responseTimeMs?: number; path?: string; status?: number }): Promise<string>;
  removeFault(id: string): Promise<void>;
  /** The request log, oldest first (`time` is the child's `Date.now()`: the same clock). */
  requests(): Promise<RecordedRequest[]>;
  resetRequestLog(): Promise<void>;
  pendingInsertions(): Promise<number>;
  /** Land every pending write (manual insertion mode) and send its webhooks. */
  completePendingInsertions(): Promise<void>;
}

/** The FHIR sandbox as the bench sees it: its fault knobs and request log (open-fhir's upstream). */
export interface BenchFhir {
  /** Sandbox root (its mounts are under it). */
  url: string;
  addFault(rule: { responseTimeMs?: number; path?: string; status?: number }): Promise<string>;
  removeFault(id: string): Promise<void>;
  requests(): Promise<FhirRecordedRequest[]>;
  resetRequestLog(): Promise<void>;
}

export interface BenchWorld {
  nex: BenchNex;
  fhir: BenchFhir;
  config: GatewayConfig;
  /** The sandboxes' process id (for its CPU time). */
  sandboxPid: number;
  /** Start a gateway over the world's sandboxes (close it yourself). */
  gateway(nexOptions?: NexhealthAdapterOptions): Promise<RunningGateway>;
  close(): Promise<void>;
}

type Ready = {
  type: 'ready';
  nex: Pick<NexhealthSandbox, 'url' | 'apiKey' | 'subdomain' | 'institutionId' | 'locations'>;
  athena: Pick<AthenahealthSandbox, 'url' | 'clientId' | 'clientSecret' | 'practices'>;
  fhir: Pick<FhirSandbox, 'url' | 'mounts' | 'clients'>;
};

/** Calls into a child process over IPC: each message carries a `seq`, echoed with `ok` in its answer. */
export function rpc(child: ChildProcess) {
  let seq = 0;
  const waiting = new Map<number, { resolve(v: any): void; reject(e: Error): void }>();
  child.on('message', (m: any) => {
    const w = typeof m?.seq === 'number' ? waiting.get(m.seq) : undefined;
    if (!w) return;
    waiting.delete(m.seq);
    if (m.ok) w.resolve(m);
    else w.reject(new Error(`sandbox process: ${m.error}`));
  });
  child.on('exit', (code) => {
    for (const w of waiting.values()) w.reject(new Error(`sandbox process exited with ${code}`));
    waiting.clear();
  });
  return <T = Record<string, unknown>>(type: string, extra: Record<string, unknown> = {}) =>
    new Promise<T>((resolve, reject) => {
      seq += 1;
      waiting.set(seq, { resolve, reject });
      child.send({ seq, type, ...extra });
    });
}

export async function startWorld(): Promise<BenchWorld> {
  const here = dirname(fileURLToPath(import.meta.url));
  const child = fork(join(here, 'sandbox-process.ts'), [], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const ready = await new Promise<Ready>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`sandbox process exited with ${code} before it was ready`)));
    child.on('message', (m: any) => m?.type === 'ready' && resolve(m as Ready));
  });
  const call = rpc(child);
  const nex: BenchNex = {
    ...ready.nex,
    addFault: async (rule) => (await call<{ id: string }>('addFault', { rule })).id,
    removeFault: async (id) => void (await call('removeFault', { id })),
    requests: async () => (await call<{ requests: RecordedRequest[] }>('requests')).requests,
    resetRequestLog: async () => void (await call('resetRequestLog')),
    pendingInsertions: async () => (await call<{ count: number }>('pendingInsertions')).count,
    completePendingInsertions: async () => void (await call('completePendingInsertions')),
  };
  const fhir: BenchFhir = {
    url: ready.fhir.url,
    addFault: async (rule) => (await call<{ id: string }>('fhirAddFault', { rule })).id,
    removeFault: async (id) => void (await call('fhirRemoveFault', { id })),
    requests: async () => (await call<{ requests: FhirRecordedRequest[] }>('fhirRequests')).requests,
    resetRequestLog: async () => void (await call('fhirResetRequestLog')),
  };
  const config = parseConfig({
    server: { port: 0, host: '127.0.0.1' },
    store: { url: 'memory://' },
    transactionIdPrefix: 'LG',
    logLevel: 'silent',
    // One client address and key open the fan-out's 10,000 sockets: lift the per-address and per-key
    // websocket caps (a load test, not a tenant), keep every other limit at its default.
    limits: { requestsPerMinute: 100_000_000, maxWsConnectionsPerAddress: 20_000, maxWsConnectionsPerKey: 20_000 },
    apiKeys: [{ name: 'bench', key: BENCH_KEY, practices: ['*'] }],
    practices: [
      ...nexhealthSandboxPractices(ready.nex),
      ...athenahealthSandboxPractices(ready.athena),
      ...fhirSandboxPractices(ready.fhir),
    ].filter((p) => p.id === PRACTICE || p.id === 'northside' || p.id === FHIR_PRACTICE),
  });
  return {
    nex,
    fhir,
    config,
    sandboxPid: child.pid!,
    async gateway(nexOptions = {}) {
      // No upstream budget here (a custom createAdapter gets none): the bench's load, hundreds of
      // calls a second on one key, is past NexHealth's published limits (100/s, 2,000/min), so under
      // the budget it would measure those limits, not the gateway. test/bench/upstream-fairness.ts
      // measures the budget, at the vendor's limits.
      const fallback = defaultAdapterFactory();
      const gateway = await startGateway(config, {
        logger: createLogger({ level: 'silent' }),
        createAdapter: (practice) =>
          practice.system === 'nexhealth'
            ? createNexhealthAdapter(nexhealthConnectionSchema.parse(practice.connection), nexOptions)
            : fallback(practice),
      });
      await gateway.settled;
      return gateway;
    },
    async close() {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      await call('close').catch(() => undefined);
      await exited;
    },
  };
}

/**
 * The bench's GraphQL client: undici's `request` over one keep-alive agent, the lightest client
 * Node has, so the latency it measures is the gateway's and not the client's (`fetch` costs a
 * request about a millisecond of this process's thread, which the gateway shares).
 */
const client = new Agent({ connections: 64 });

export async function gql<T = any>(
  url: string,
  query: string,
  variables: Record<string, unknown> = {},
): Promise<{ data?: T; errors?: unknown[] }> {
  const response = await request(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${BENCH_KEY}` },
    body: JSON.stringify({ query, variables }),
    dispatcher: client,
  });
  return (await response.body.json()) as { data?: T; errors?: unknown[] };
}
