/**
 * What the transaction service is built from (`TransactionServiceDeps`), its defaults, and the check
 * of both at construction: a service with an impossible configuration refuses to start rather than
 * misbehave later.
 *
 *     const options = resolveOptions({ store, bus, adapters, transactionIdPrefix: 'LG', pollAfterMs: 10_000 });
 *     options.pollAfterMs;     // 10000
 *     options.pollDeadlineMs;  // 172800000 (the 48 h default)
 */
import type { LedgerAdapter, WriteOutcome } from '../adapters/ledger/port';
import { assertTransactionIdPrefix } from '../ledger/transaction-id';
import type { StatusBus } from './status-bus';
import type { TransactionStore } from './store';
import type { TransactionRow, TransactionStatus } from './types';

export interface TransactionLogger {
  info(message: string, context?: Record<string, unknown>): void;
  warn(message: string, context?: Record<string, unknown>): void;
  error(message: string, context?: Record<string, unknown>): void;
}

/**
 * Test seams that simulate a process dying at a precise point. A hook that throws aborts the
 * operation right there, exactly as a crash would: nothing after it runs (no submit, no mark).
 */
export interface TransactionServiceHooks {
  /** After the PENDING row is committed, before the first submit. */
  afterStore?(row: TransactionRow): void | Promise<void>;
  /** After the upstream accepted/answered a write, before the outcome is stored. */
  afterUpstream?(row: TransactionRow, outcome: WriteOutcome): void | Promise<void>;
}

export interface TransactionServiceDeps {
  store: TransactionStore;
  adapters: (practiceId: string) => LedgerAdapter | undefined;
  bus: StatusBus;
  /** Ids are `<prefix>:<n>`; the prefix follows the one rule of `src/ledger/transaction-id.ts`. */
  transactionIdPrefix: string;
  /** Told each durable status a transaction reaches, creation included (metrics). Default none. */
  onStatus?: (status: TransactionStatus) => void;
  now?: () => Date;
  /** How often the background pass runs (default 5 s). */
  pollIntervalMs?: number;
  /** Poll upstream for a SUBMITTED write when no webhook arrived within this (default 30 s). */
  pollAfterMs?: number;
  /**
   * A SUBMITTED write with no answer this long after submission (default 48 h) gets `attention` and
   * is looked up on `attentionPollSchedule` from then on. It is never FAILED by the clock: it may
   * still land (an office's synchronizer down over a long weekend), and staff told "failed" would
   * enter it again.
   */
  pollDeadlineMs?: number;
  /**
   * How often a write that needs attention is looked up, by its age since submission: every
   * `everyMs` while younger than `untilMs`; past the last `untilMs` the look-ups stop (the attention
   * stays). Default hourly until 7 days, then daily until 30 days.
   */
  attentionPollSchedule?: ReadonlyArray<{ untilMs: number; everyMs: number }>;
  /** Waits between submit retries on unavailability; the last repeats (default 1 s, 5 s, 15 s, 1 min, 5 min). */
  submitRetryDelaysMs?: number[];
  /**
   * How long a submit attempt owns its row (default 60 s). A row whose attempt died with its process
   * is resumed once the lease runs out. Keep it above the adapters' request timeout.
   */
  submitLeaseMs?: number;
  /**
   * Stop posting a PENDING write this long after its creation (default 48 h). If no attempt was
   * ever started it FAILS (provably nothing went upstream); if one was, it may have landed, so it
   * moves to SUBMITTED with `attention` and is looked up, never posted again.
   */
  submitDeadlineMs?: number;
  /** How long a card collection may run before an abandoned one is resolved (default 5 min). */
  collectionLeaseMs?: number;
  /** Keep idempotency keys this long (default 72 h; at least 24 h). */
  idempotencyRetentionMs?: number;
  /** Keep webhook receipts this long (default 7 days; the vendor retries for 48 h). */
  webhookReceiptRetentionMs?: number;
  /** Rows handled per pass per kind of work (default 100). */
  batchSize?: number;
  /** Upstream calls in flight per pass (default 4). */
  concurrency?: number;
  logger?: TransactionLogger;
  hooks?: TransactionServiceHooks;
}

/** The timings and sizes the service runs with: every default filled in, every value checked. */
export interface ServiceOptions {
  transactionIdPrefix: string;
  pollIntervalMs: number;
  pollAfterMs: number;
  pollDeadlineMs: number;
  attentionPollSchedule: ReadonlyArray<{ untilMs: number; everyMs: number }>;
  submitRetryDelaysMs: readonly number[];
  submitLeaseMs: number;
  submitDeadlineMs: number;
  collectionLeaseMs: number;
  idempotencyRetentionMs: number;
  webhookReceiptRetentionMs: number;
  batchSize: number;
  concurrency: number;
  /** How often idempotency keys and webhook receipts are pruned (not configurable). */
  pruneEveryMs: number;
}

export const HOUR = 3_600_000;

export const DEFAULTS: Omit<ServiceOptions, 'transactionIdPrefix'> = {
  pollIntervalMs: 5_000,
  pollAfterMs: 30_000,
  pollDeadlineMs: 48 * HOUR,
  attentionPollSchedule: [
    { untilMs: 7 * 24 * HOUR, everyMs: HOUR },
    { untilMs: 30 * 24 * HOUR, everyMs: 24 * HOUR },
  ],
  submitRetryDelaysMs: [1_000, 5_000, 15_000, 60_000, 300_000],
  submitLeaseMs: 60_000,
  submitDeadlineMs: 48 * HOUR,
  collectionLeaseMs: 5 * 60_000,
  idempotencyRetentionMs: 72 * HOUR,
  webhookReceiptRetentionMs: 7 * 24 * HOUR,
  batchSize: 100,
  concurrency: 4,
  pruneEveryMs: HOUR,
};

/**
 * `deps`' options with the defaults filled in. Throws when the prefix breaks the transaction-id rule
 * (a TransactionIdError) or when idempotency keys would be kept less than the day clients are promised.
 */
export function resolveOptions(deps: TransactionServiceDeps): ServiceOptions {
  const options: ServiceOptions = {
    transactionIdPrefix: assertTransactionIdPrefix(deps.transactionIdPrefix),
    pollIntervalMs: deps.pollIntervalMs ?? DEFAULTS.pollIntervalMs,
    pollAfterMs: deps.pollAfterMs ?? DEFAULTS.pollAfterMs,
    pollDeadlineMs: deps.pollDeadlineMs ?? DEFAULTS.pollDeadlineMs,
    attentionPollSchedule: deps.attentionPollSchedule?.length ? deps.attentionPollSchedule : DEFAULTS.attentionPollSchedule,
    submitRetryDelaysMs: deps.submitRetryDelaysMs?.length ? deps.submitRetryDelaysMs : DEFAULTS.submitRetryDelaysMs,
    submitLeaseMs: deps.submitLeaseMs ?? DEFAULTS.submitLeaseMs,
    submitDeadlineMs: deps.submitDeadlineMs ?? DEFAULTS.submitDeadlineMs,
    collectionLeaseMs: deps.collectionLeaseMs ?? DEFAULTS.collectionLeaseMs,
    idempotencyRetentionMs: deps.idempotencyRetentionMs ?? DEFAULTS.idempotencyRetentionMs,
    webhookReceiptRetentionMs: deps.webhookReceiptRetentionMs ?? DEFAULTS.webhookReceiptRetentionMs,
    batchSize: Math.max(1, deps.batchSize ?? DEFAULTS.batchSize),
    concurrency: Math.max(1, deps.concurrency ?? DEFAULTS.concurrency),
    pruneEveryMs: DEFAULTS.pruneEveryMs,
  };
  if (options.idempotencyRetentionMs < 24 * HOUR) {
    throw new Error(
      `idempotencyRetentionMs must be at least 24 hours (keys are promised for a day), got ${options.idempotencyRetentionMs} ms`,
    );
  }
  let previous = options.pollDeadlineMs;
  for (const step of options.attentionPollSchedule) {
    if (!(step.everyMs > 0) || !(step.untilMs > previous)) {
      throw new Error(
        `attentionPollSchedule: expected steps with everyMs > 0 and untilMs increasing past pollDeadlineMs (${options.pollDeadlineMs} ms), ` +
          `got ${JSON.stringify(options.attentionPollSchedule)}`,
      );
    }
    previous = step.untilMs;
  }
  return options;
}
