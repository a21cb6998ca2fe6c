/**
 * The bench's world: both sandboxes and one gateway, in this process, on loopback port 0, with a
 * `memory://` store. The NexHealth adapter may be built with other options (e.g. `referenceTtlMs: 0`).
 */
import { parseConfig, type GatewayConfig } from '../../src/config';
import { createNexhealthAdapter } from '../../src/adapters/nexhealth';
import type { NexhealthAdapterOptions } from '../../src/adapters/nexhealth/types';
import { sandboxPractices } from '../../src/sandbox/default-config';
import { createLogger } from '../../src/logging/logger';
import { defaultAdapterFactory, startGateway, type RunningGateway } from '../../src/server/gateway';
import { startAthenahealthSandbox, type AthenahealthSandbox } from '../../src/sandbox/athenahealth';
import { startNexhealthSandbox, type NexhealthSandbox } from '../../src/sandbox/nexhealth';

export const BENCH_KEY = 'bench-key-all-practices-000000000001';
export const PRACTICE = 'smile-dental';

export interface BenchWorld {
  nex: NexhealthSandbox;
  athena: AthenahealthSandbox;
  config: GatewayConfig;
  /** Start a gateway over the world's sandboxes (close it yourself). */
  gateway(nexOptions?: NexhealthAdapterOptions): Promise<RunningGateway>;
  close(): Promise<void>;
}

export async function startWorld(): Promise<BenchWorld> {
  const nex = await startNexhealthSandbox({ port: 0, rateLimits: false, insertion: 'manual', webhookRetryDelaysMs: [50, 100] });
  const athena = await startAthenahealthSandbox({ port: 0 });
  const config = parseConfig({
    server: { port: 0, host: '127.0.0.1' },
    store: { url: 'memory://' },
    transactionIdPrefix: 'LG',
    logLevel: 'silent',
    limits: { requestsPerMinute: 100_000_000 },
    apiKeys: [{ name: 'bench', key: BENCH_KEY, practices: ['*'] }],
    practices: sandboxPractices(nex, athena).filter((p) => p.id === PRACTICE || p.id === 'northside'),
  });
  return {
    nex,
    athena,
    config,
    async gateway(nexOptions = {}) {
      const fallback = defaultAdapterFactory();
      const gateway = await startGateway(config, {
        logger: createLogger({ level: 'silent' }),
        createAdapter: (practice) =>
          practice.system === 'nexhealth' ? createNexhealthAdapter(practice.connection, nexOptions) : fallback(practice),
      });
      await gateway.settled;
      return gateway;
    },
    async close() {
      await Promise.all([nex.close(), athena.close()]);
    },
  };
}

export async function gql<T = any>(url: string, query: string, variables: Record<string, unknown> = {}): Promise<{ data?: T; errors?: unknown[] }> {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${BENCH_KEY}` },
    body: JSON.stringify({ query, variables }),
  });
  return (await response.json()) as { data?: T; errors?: unknown[] };
}
