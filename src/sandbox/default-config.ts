/**
 * Sandbox mode, what `npm start` runs with no config: every registered system's simulator in-process
 * on a free port and a gateway config pointing at them, like a payment processor's test mode. Each
 * simulator brings its own practices (`src/sandbox/<vendor>/mode.ts`). The API key is made fresh at
 * each start and printed.
 */
import { randomBytes } from 'node:crypto';
import { parseConfig, type GatewayConfig } from '../config';
import { MESSAGING_CHANNEL_KEYS, SYSTEMS } from '../adapters/registry';
import type { RunningSystemSandbox } from '../adapters/system';

export interface SandboxModeOptions {
  /** The gateway's port. Default 4000. */
  port?: number;
  /** The store. Default `pglite://./.data/sandbox-ledger` (kept apart from a real config's store). */
  storeUrl?: string;
  /** The API key to use; default a random one (or `LEDGER_GATEWAY_SANDBOX_KEY`). */
  apiKey?: string;
}

export interface RunningSandboxes {
  config: GatewayConfig;
  apiKey: string;
  /** A first query for GraphiQL, offered by one of the simulators. */
  exampleQuery: string;
  close(): Promise<void>;
}

/**
 * Start every registered system's simulator on a free port and gather their practices: the one
 * sandbox list `npm start`'s sandbox mode serves. A system without a simulator is simply absent.
 */
export async function startSystemSandboxes(gatewayUrl?: string): Promise<RunningSystemSandbox[]> {
  const started: RunningSystemSandbox[] = [];
  try {
    for (const descriptor of SYSTEMS) {
      if (descriptor.sandbox) started.push(await descriptor.sandbox.start({ port: 0, ...(gatewayUrl ? { gatewayUrl } : {}) }));
    }
  } catch (error) {
    await Promise.allSettled(started.map((s) => s.close()));
    throw error;
  }
  return started;
}

/**
 * The config's practices from the started simulators: a ledger system's practices are practices; a
 * processor's practices are connections for the ledger practice of the same id (when that practice
 * names the payment type its collections post as), so `npm start` can collect through one.
 */
export function sandboxPractices(sandboxes: readonly RunningSystemSandbox[]): Array<Record<string, unknown>> {
  const practices = new Map<string, Record<string, unknown>>();
  SYSTEMS.forEach((descriptor, i) => {
    if (descriptor.kind !== 'ledger') return;
    for (const { processorPaymentTypeId: _paymentTypeId, ...practice } of sandboxes[i]?.practices ?? []) {
      practices.set(practice.id, { ...practice, system: descriptor.system });
    }
  });
  SYSTEMS.forEach((descriptor, i) => {
    if (descriptor.kind !== 'processor') return;
    for (const { id, connection } of sandboxes[i]?.practices ?? []) {
      const paymentTypeId = sandboxes.flatMap((s) => s.practices).find((p) => p.id === id)?.processorPaymentTypeId;
      const practice = practices.get(id);
      if (practice && paymentTypeId && !practice.processor) {
        practice.processor = { system: descriptor.system, connection, paymentTypeId };
      }
    }
  });
  // A messaging provider's practices are its channel's connection for the ledger practice of the same id.
  SYSTEMS.forEach((descriptor, i) => {
    if (descriptor.kind !== 'messaging') return;
    const key = MESSAGING_CHANNEL_KEYS[descriptor.channel];
    for (const { id, connection } of sandboxes[i]?.practices ?? []) {
      const practice = practices.get(id);
      const messaging = (practice?.messaging ?? {}) as Record<string, unknown>;
      if (practice && !messaging[key]) practice.messaging = { ...messaging, [key]: { system: descriptor.system, connection } };
    }
  });
  // A clearinghouse's practices are its service's entry (`coverage.eligibility`, `coverage.claimStatus`) for the ledger practice of the same id.
  SYSTEMS.forEach((descriptor, i) => {
    if (descriptor.kind !== 'coverage') return;
    for (const { id, connection, service } of sandboxes[i]?.practices ?? []) {
      const practice = practices.get(id);
      const coverage = (practice?.coverage ?? {}) as Record<string, unknown>;
      if (practice && !coverage[descriptor.service]) {
        practice.coverage = { ...coverage, [descriptor.service]: { clearinghouse: descriptor.system, connection, ...service } };
      }
    }
  });
  return [...practices.values()];
}

export async function startSandboxes(options: SandboxModeOptions = {}): Promise<RunningSandboxes> {
  const port = options.port ?? 4000;
  const sandboxes = await startSystemSandboxes(`http://127.0.0.1:${port}`);
  const apiKey =
    options.apiKey ?? process.env.LEDGER_GATEWAY_SANDBOX_KEY ?? `lg_sandbox_${randomBytes(18).toString('base64url')}`;
  const config = parseConfig({
    server: { port, host: '127.0.0.1', publicUrl: `http://127.0.0.1:${port}` },
    store: { url: options.storeUrl ?? 'pglite://./.data/sandbox-ledger' },
    transactionIdPrefix: 'LG',
    apiKeys: [{ name: 'sandbox', key: apiKey, practices: ['*'] }],
    practices: sandboxPractices(sandboxes),
  });
  const exampleQuery = sandboxes.find((s) => s.exampleQuery)?.exampleQuery ?? '{ practices { id name system } }\n';
  return {
    config,
    apiKey,
    exampleQuery,
    async close() {
      await Promise.all(sandboxes.map((s) => s.close()));
    },
  };
}
