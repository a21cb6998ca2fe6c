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
 *
 * The other kinds declare themselves the same way, each with what tells its systems apart:
 *
 *     defineProcessorSystem({ system: 'stripe', processor: 'STRIPE', connection, createAdapter });
 *     defineMessagingSystem({ system: 'twilio', channel: 'SMS', connection, createAdapter });
 *     defineCoverageSystem({ system: 'availity', service: 'eligibility', connection, createAdapter });
 *     defineAccountingSystem({ system: 'quickbooks', connection, createAdapter });
 *
 * Each kind's port (`<kind>/port.ts`) lists its upstream-touching methods; `UPSTREAM_METHODS` here
 * gathers them by kind, so one decorator (circuit breaker, tracing, upstream budget) wraps any kind.
 */
import type { z } from 'zod';
import type { AccountingAdapter, AccountingAdapterOptions } from './accounting/port';
import { ACCOUNTING_METHODS } from './accounting/port';
import type { CoverageAdapter, CoverageAdapterFor, CoverageService } from './coverage/port';
import { COVERAGE_METHODS } from './coverage/port';
import type { UpstreamCallEvent } from './http/upstream-call';
import type { LedgerAdapter, PracticeSystem } from './ledger/port';
import { BATCH_METHODS, WHOLE_METHODS } from './ledger/port';
import type { UpstreamBudget, UpstreamLimits } from '../upstream-budget';
import type { Channel, MessagingAdapter } from './messaging/port';
import { MESSAGING_METHODS } from './messaging/port';
import type { ProcessorAdapter, ProcessorName } from './processor/port';
import { PROCESSOR_METHODS } from './processor/port';

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
  /** The practice's handle on its credential's upstream budget (`src/upstream-budget/`). Default: none (no waiting). */
  upstreamBudget?: UpstreamBudget;
}

/** One practice of a sandbox, as a config entry of the system that runs it. */
export interface SandboxPractice {
  id: string;
  name: string;
  connection: Record<string, unknown>;
  /**
   * A ledger practice's payment type that processor collections post as (`processor.paymentTypeId`).
   * Sandbox mode gives a processor sandbox's connection (a practice of the same `id`) only to a
   * ledger practice that names one.
   */
  processorPaymentTypeId?: string;
  /**
   * A coverage sandbox's keys beside `connection` in the practice's `coverage.<service>` entry
   * (provider, payer ids, network), which are the service's, not the vendor's.
   */
  service?: Record<string, unknown>;
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
  /**
   * The gateway's public URL, when known: a simulator that posts to a URL it is told rather than one
   * the gateway registers (Twilio's inbound messages) points itself at `<gatewayUrl>/webhooks/…`.
   */
  gatewayUrl?: string;
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
  /** The vendor's published rate limits and what a credential is (see `src/upstream-budget/README.md`). */
  readonly rateLimits?: UpstreamLimits<z.output<Connection>>;
}

/** A ledger system: where balances live and payments are posted. */
export interface LedgerSystemDescriptor<Connection extends z.ZodType = z.ZodType> extends SystemDescriptorBase<Connection> {
  readonly kind: 'ledger';
  /** The value of the GraphQL enum `PracticeSystem` its practices answer with. */
  readonly practiceSystem: PracticeSystem;
  createAdapter(connection: z.output<Connection>, options: AdapterOptions): LedgerAdapter;
}

/**
 * A payment processor: collects the patient's money on a hosted page (`processor/port.ts`). Config
 * per practice: `processor: { system, connection, paymentTypeId }` (`paymentTypeId` is the ledger's,
 * the same for every processor, so it is not part of `connection`).
 */
export interface ProcessorSystemDescriptor<Connection extends z.ZodType = z.ZodType> extends SystemDescriptorBase<Connection> {
  readonly kind: 'processor';
  /** The value of the GraphQL enum `Processor` its checkouts answer with. */
  readonly processor: ProcessorName;
  createAdapter(connection: z.output<Connection>, options: AdapterOptions): ProcessorAdapter;
}

/**
 * A messaging provider for one channel (`messaging/port.ts`). Config per practice:
 * `messaging: { sms: { system, connection }, email: { system, connection } }`, where a system may
 * only stand under the key of its `channel`.
 */
export interface MessagingSystemDescriptor<Connection extends z.ZodType = z.ZodType, C extends Channel = Channel>
  extends SystemDescriptorBase<Connection> {
  readonly kind: 'messaging';
  /** The channel it sends on: `SMS` (config key `sms`) or `EMAIL` (config key `email`). */
  readonly channel: C;
  createAdapter(connection: z.output<Connection>, options: AdapterOptions): MessagingAdapter<C>;
}

/**
 * A clearinghouse for one coverage service (`coverage/port.ts`). Config per practice:
 * `coverage: { eligibility: { clearinghouse, connection, … }, claimStatus: { clearinghouse, connection, … } }`:
 * the word is under `clearinghouse` there (not `system`), and the keys beside `connection`
 * (provider, payer ids, network preference) are the service's, not the vendor's, so they travel in
 * each request rather than through the factory.
 */
export interface CoverageSystemDescriptor<Connection extends z.ZodType = z.ZodType, S extends CoverageService = CoverageService>
  extends SystemDescriptorBase<Connection> {
  readonly kind: 'coverage';
  /** The service it answers: `eligibility` or `claimStatus` (its key under `coverage`). */
  readonly service: S;
  createAdapter(connection: z.output<Connection>, options: AdapterOptions): CoverageAdapterFor<S>;
}

/**
 * An accounting system: the practice's books (`accounting/port.ts`). Config per practice:
 * `accounting: { system, connection, depositAccountId, itemId, paymentMethodId? }`; the keys beside
 * `connection` travel in each booking. Its factory also gets a store for rotating refresh tokens.
 */
export interface AccountingSystemDescriptor<Connection extends z.ZodType = z.ZodType> extends SystemDescriptorBase<Connection> {
  readonly kind: 'accounting';
  createAdapter(connection: z.output<Connection>, options: AccountingAdapterOptions): AccountingAdapter;
}

/** Every kind of descriptor; `kind` tells them apart. */
export type SystemDescriptor =
  | LedgerSystemDescriptor
  | ProcessorSystemDescriptor
  | MessagingSystemDescriptor
  | CoverageSystemDescriptor
  | AccountingSystemDescriptor;

/** The descriptor type of each kind. */
export interface SystemDescriptorByKind {
  ledger: LedgerSystemDescriptor;
  processor: ProcessorSystemDescriptor;
  messaging: MessagingSystemDescriptor;
  coverage: CoverageSystemDescriptor;
  accounting: AccountingSystemDescriptor;
}

/** The adapter type of each kind. */
export interface AdapterByKind {
  ledger: LedgerAdapter;
  processor: ProcessorAdapter;
  messaging: MessagingAdapter;
  coverage: CoverageAdapter;
  accounting: AccountingAdapter;
}

/** True when `descriptor` is of `kind`, narrowing it (e.g. to pick one kind out of the registry). */
export function isSystemOfKind<K extends SystemKind>(
  descriptor: SystemDescriptor,
  kind: K,
): descriptor is SystemDescriptorByKind[K] {
  return descriptor.kind === kind;
}

/** Declare a ledger system; the identity function that gives the descriptor its precise types. */
export function defineLedgerSystem<Connection extends z.ZodType>(
  descriptor: Omit<LedgerSystemDescriptor<Connection>, 'kind'>,
): LedgerSystemDescriptor<Connection> {
  return { ...descriptor, kind: 'ledger' };
}

/** Declare a payment processor. */
export function defineProcessorSystem<Connection extends z.ZodType>(
  descriptor: Omit<ProcessorSystemDescriptor<Connection>, 'kind'>,
): ProcessorSystemDescriptor<Connection> {
  return { ...descriptor, kind: 'processor' };
}

/** Declare a messaging provider; `channel` keeps its literal type, so its adapter's `send` takes that channel's messages. */
export function defineMessagingSystem<Connection extends z.ZodType, C extends Channel>(
  descriptor: Omit<MessagingSystemDescriptor<Connection, C>, 'kind' | 'createAdapter'> & {
    // `NoInfer`: the channel comes from `channel` alone, so an adapter of the other channel is refused.
    createAdapter(connection: z.output<Connection>, options: AdapterOptions): MessagingAdapter<NoInfer<C>>;
  },
): MessagingSystemDescriptor<Connection, C> {
  return { ...descriptor, kind: 'messaging' };
}

/** Declare a clearinghouse; `service` keeps its literal type, so its adapter must have that service's methods. */
export function defineCoverageSystem<Connection extends z.ZodType, S extends CoverageService>(
  descriptor: Omit<CoverageSystemDescriptor<Connection, S>, 'kind'>,
): CoverageSystemDescriptor<Connection, S> {
  return { ...descriptor, kind: 'coverage' };
}

/** Declare an accounting system. */
export function defineAccountingSystem<Connection extends z.ZodType>(
  descriptor: Omit<AccountingSystemDescriptor<Connection>, 'kind'>,
): AccountingSystemDescriptor<Connection> {
  return { ...descriptor, kind: 'accounting' };
}

// ---------------------------------------------------------------------------------------------
// What every port shares
// ---------------------------------------------------------------------------------------------

/**
 * A port's methods that touch the upstream, by shape, for decorators that wrap them all (circuit
 * breaker, tracing, upstream budget). `batch` methods take a list of keys first and answer one item
 * per key, in order (a value or an `Error` for that key alone); `whole` methods call the upstream
 * and answer or throw as a whole. Methods that do no I/O (`verifyWebhook`) and `close` are neither.
 */
export interface UpstreamMethods<Adapter> {
  readonly batch: ReadonlyArray<keyof Adapter & string>;
  readonly whole: ReadonlyArray<keyof Adapter & string>;
}

/** Each kind's upstream-touching methods. */
export const UPSTREAM_METHODS = {
  ledger: { batch: BATCH_METHODS, whole: WHOLE_METHODS },
  processor: PROCESSOR_METHODS,
  messaging: MESSAGING_METHODS,
  coverage: COVERAGE_METHODS,
  accounting: ACCOUNTING_METHODS,
} as const satisfies { [K in SystemKind]: UpstreamMethods<AdapterByKind[K]> };

/**
 * One webhook delivery as `POST /webhooks/<system>/<practiceId>` hands it to a port's
 * `verifyWebhook` (processor, messaging, accounting; the ledger port keeps its own older shape).
 */
export interface WebhookDelivery {
  /**
   * The exact public URL the vendor called: the config's `publicUrl` + the request's path and query,
   * never built from the `Host` header (a proxy changes it). Twilio signs it (with its query, e.g.
   * `?r=<reminderId>`); Square signs the URL it was registered with, which is this one.
   */
  url: string;
  /** The request's headers as Node gives them (lower-case names). */
  headers: Record<string, string | string[] | undefined>;
  /** The body exactly as received: signatures are over these bytes, never over re-serialized JSON. */
  rawBody: Buffer;
  /**
   * The signing secret the gateway stored when it registered the endpoint upstream
   * (`registerWebhook`); `null` where it did not register, and the adapter verifies with a key of its
   * connection (Twilio's auth token, SendGrid's public key, QuickBooks' verifier token, a Square
   * `signatureKey` from config).
   */
  secret: string | null;
  /** The time to judge signed timestamps by (Stripe: 300 s tolerance). */
  now: Date;
}
