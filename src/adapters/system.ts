/**
 * What a system registers with the gateway: one descriptor per vendor folder. The config schema, the
 * gateway's wiring, sandbox mode and the webhook routes are all built from the list of descriptors in
 * `registry.ts`, so adding a system is adding its folder and one line there (see `README.md` here).
 *
 *     export const nexhealthSystem = defineLedgerSystem({
 *       system: 'nexhealth',
 *       practiceSystem: 'NEXHEALTH',
 *       connection: nexhealthConnectionSchema,
 *       createAdapter: (connection, options) => createNexhealthAdapter(connection, options),
 *       sandbox: { start: async (options) => (await import('../../../sandbox/nexhealth/mode')).startSandboxMode(options) },
 *     });
 */
import type { z } from 'zod';
import type { UpstreamCallEvent } from './http/upstream-call';
import type { LedgerAdapter, PracticeSystem } from './ledger/port';

/** The five kinds of systems; each has its own port in `src/adapters/<kind>/port.ts`. */
export type SystemKind = 'ledger' | 'processor' | 'messaging' | 'coverage' | 'accounting';

/** The gateway's tuning handed to every adapter factory. Each field's default is the adapter's own. */
export interface AdapterOptions {
  /** Total time for one HTTP exchange, in ms. */
  timeoutMs?: number;
  /** Retries of a read after the first attempt; writes are never retried by an adapter. */
  maxRetries?: number;
  /** Base of the jittered exponential backoff between read retries, in ms. */
  retryBaseDelayMs?: number;
  /** Told of every upstream HTTP attempt (endpoint template, status, duration; never a body). */
  onUpstreamCall?: (event: UpstreamCallEvent) => void;
}

/** One practice of a sandbox, as a config entry of the system that runs it. */
export interface SandboxPractice {
  id: string;
  name: string;
  connection: Record<string, unknown>;
}

/** A system's simulator started for sandbox mode (`npm start` without a config). */
export interface RunningSystemSandbox {
  /** The practices it serves, ready to be config entries of its system. */
  practices: SandboxPractice[];
  /** A first GraphiQL query over one of its practices, when it has a good one to show. */
  exampleQuery?: string;
  close(): Promise<void>;
}

export interface SandboxModeStartOptions {
  /** TCP port; 0 picks a free one (what sandbox mode uses). */
  port?: number;
}

/** What every descriptor has, whatever its kind. */
interface SystemDescriptorBase<Connection extends z.ZodType> {
  /** The system's word in the config (`"system": "nexhealth"`) and in `/webhooks/<system>/<practiceId>`. */
  readonly system: string;
  readonly kind: SystemKind;
  /** The zod schema of its `connection` config; the connection's type is `z.output` of it. */
  readonly connection: Connection;
  /** Its simulator, for sandbox mode; started lazily so a real deployment never loads it. */
  readonly sandbox?: { start(options: SandboxModeStartOptions): Promise<RunningSystemSandbox> };
}

/** A ledger system: where balances live and payments are posted. */
export interface LedgerSystemDescriptor<Connection extends z.ZodType = z.ZodType> extends SystemDescriptorBase<Connection> {
  readonly kind: 'ledger';
  /** The value of the GraphQL enum `PracticeSystem` its practices answer with. */
  readonly practiceSystem: PracticeSystem;
  createAdapter(connection: z.output<Connection>, options: AdapterOptions): LedgerAdapter;
}

/** Every kind of descriptor. The other kinds join as their adapters land. */
export type SystemDescriptor = LedgerSystemDescriptor;

/** Declare a ledger system; the identity function that gives the descriptor its precise types. */
export function defineLedgerSystem<Connection extends z.ZodType>(
  descriptor: Omit<LedgerSystemDescriptor<Connection>, 'kind'>,
): LedgerSystemDescriptor<Connection> {
  return { ...descriptor, kind: 'ledger' };
}
