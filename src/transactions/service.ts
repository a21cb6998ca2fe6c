/**
 * The transaction service: what the GraphQL layer and the webhook routes call to write into ledgers
 * without ever losing or doubling a cent.
 *
 * The life of a ledger write (PAYMENT / ADJUSTMENT, asynchronous systems such as NexHealth):
 * 1. `createLedgerTransaction` binds the idempotency key, allocates `<prefix>:<nextval>` and stores the
 *    PENDING row in ONE SQL transaction, committed BEFORE anything goes upstream.
 * 2. The submitter claims the row (`attempts + 1` and a lease, committed), then calls
 *    `adapter.submitWrite`. A row that was ever attempted before is first looked up upstream with
 *    `findTransaction`: if it landed, it is COMPLETED with those rows and never posted again.
 * 3. SUBMITTED → COMPLETED / FAILED by webhook (`handleInsertionEvent`) or, when no delivery comes
 *    within `pollAfterMs`, by polling `findTransaction`; after `pollDeadlineMs` without an answer the
 *    transaction FAILS with "no insertion status from upstream".
 * 4. Every status change is published on the bus AFTER it is durable.
 *
 * Card collections (`collect`, synchronous systems such as athenahealth) charge once, inline: the
 * card goes to the adapter and nowhere else (not the store, not the logs, not the fingerprint). A
 * collection interrupted by a crash is never re-charged (there is no card to re-charge with): it is
 * resolved by a look-up, else FAILED with an explicit reason.
 *
 *     const service = createTransactionService({
 *       store: await openStore(config.store.url),
 *       adapters: (practiceId) => adaptersByPractice.get(practiceId),
 *       bus: createInProcessStatusBus(),
 *       transactionIdPrefix: config.transactionIdPrefix,
 *       logger,
 *     });
 *     await service.start();
 *     const tx = await service.createLedgerTransaction({
 *       practiceId: 'smile-dental', idempotencyKey: input.idempotencyKey, fingerprint: canonical(input),
 *       write: { kind: 'PAYMENT', patientSourceId: '42', amount: -5000, currency: 'USD',
 *                typeSourceId: '7', providerSplits: null, chargeSplits: null,
 *                occurredAt: new Date().toISOString(), notes: null },
 *     });
 *     // tx.status is usually 'SUBMITTED'; subscribers hear about every later change.
 *     await service.stop();
 */
import {
  UpstreamError,
  type CardCollection,
  type Cents,
  type InsertionEvent,
  type LedgerAdapter,
  type LedgerRecords,
  type OutgoingLedgerWrite,
  type WriteOutcome,
} from '../adapters/ledger/port';
import { sumCents } from '../ledger/money';
import { recordsSum, rowsMismatch } from '../ledger/records-sum';
import { assertTransactionIdPrefix } from '../ledger/transaction-id';
import { TransactionInputError } from './errors';
import type { StatusBus } from './status-bus';
import type { StoredCollection, StoredLedgerWrite, StoredTransaction, TransactionStore } from './store';
import { emptyRecords, isTerminal, type TransactionRow, type TransactionStatus } from './types';

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
  /** Give up polling a SUBMITTED write after this since submission (default 48 h) → FAILED. */
  pollDeadlineMs?: number;
  /** Waits between submit retries on unavailability; the last repeats (default 1 s, 5 s, 15 s, 1 min, 5 min). */
  submitRetryDelaysMs?: number[];
  /**
   * How long a submit attempt owns its row (default 60 s). A row whose attempt died with its process
   * is resumed once the lease runs out. Keep it above the adapters' request timeout.
   */
  submitLeaseMs?: number;
  /** Give up retrying a PENDING write this long after its creation (default 48 h) → FAILED. */
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

export interface CreateLedgerTransactionInput {
  practiceId: string;
  idempotencyKey: string;
  /** A canonical text of the mutation's input, computed by the caller (no card data). */
  fingerprint: string;
  write: Omit<OutgoingLedgerWrite, 'transactionId'>;
}

export interface CollectInput {
  practiceId: string;
  idempotencyKey: string;
  /** A canonical text of the input WITHOUT the card. */
  fingerprint: string;
  collection: Omit<CardCollection, 'transactionId'>;
  /**
   * The total collected; its magnitude must equal copay + other + claim payments. Either sign is
   * accepted; the row stores it negative, like a payment entry.
   */
  amountCents: Cents;
}

export type InsertionEventResult = 'applied' | 'duplicate' | 'ignored';

export interface TransactionService {
  /** Store a PENDING ledger write durably, then make its first submit attempt; returns the row after it. */
  createLedgerTransaction(input: CreateLedgerTransactionInput): Promise<TransactionRow>;
  /** Charge a card synchronously (adapter.collectPayment); the card is never stored. */
  collect(input: CollectInput): Promise<TransactionRow>;
  /** The practice's transaction, or `null` (also for another practice's id). */
  get(practiceId: string, transactionId: string): Promise<TransactionRow | null>;
  /**
   * The transaction an idempotency key is bound to and the fingerprint it was bound with, so a
   * replay can be answered before any upstream read; `null` for a new key.
   */
  findByIdempotencyKey(practiceId: string, idempotencyKey: string): Promise<{ fingerprint: string; transaction: TransactionRow } | null>;
  /** The practice's transactions, newest first. */
  listByPractice(practiceId: string, options?: { limit?: number; status?: TransactionStatus }): Promise<TransactionRow[]>;
  /**
   * Apply a verified webhook delivery. `duplicate`: the event key was seen before (nothing changes).
   * `ignored`: unknown transaction, or already terminal (out-of-order delivery; nothing moves back).
   * Rejects (so the route answers non-2xx and the vendor redelivers) when a completion carries no
   * rows and they cannot be fetched yet.
   */
  handleInsertionEvent(practiceId: string, event: InsertionEvent): Promise<InsertionEventResult>;
  /** Resume what the store holds unfinished (PENDING → submit, SUBMITTED → poll), then poll on a timer. */
  start(): Promise<void>;
  /** Stop the timer and wait for in-flight work. */
  stop(): Promise<void>;
  /** Run one submit / recover / poll / prune pass now (tests, and the timer). */
  tick(): Promise<void>;
}

const HOUR = 3_600_000;
const DEFAULTS = {
  pollIntervalMs: 5_000,
  pollAfterMs: 30_000,
  pollDeadlineMs: 48 * HOUR,
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

/** An upstream answer to a re-post that means "the earlier attempt landed": not a failure. */

const silentLogger: TransactionLogger = { info() {}, warn() {}, error() {} };

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function hasRows(records: LedgerRecords | null | undefined): records is LedgerRecords {
  return !!records && records.payments.length + records.adjustments.length > 0;
}

function lookupKind(row: StoredTransaction): 'PAYMENT' | 'ADJUSTMENT' {
  return row.kind === 'ADJUSTMENT' ? 'ADJUSTMENT' : 'PAYMENT';
}

/** The public view of a stored row. */
export function toTransactionRow(row: StoredTransaction): TransactionRow {
  return {
    practiceId: row.practiceId,
    transactionId: row.transactionId,
    kind: row.kind,
    status: row.status,
    amount: row.amount,
    failureReason: row.failureReason,
    records: row.records,
    patientSourceId: row.patientSourceId,
    idempotencyKey: row.idempotencyKey,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
    receiptId: row.receiptId,
  };
}

function requireText(value: unknown, name: string, max = 255): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > max) {
    throw new TransactionInputError(`${name} must be a non-empty string of at most ${max} characters`);
  }
  return value;
}

function requireCents(value: unknown, name: string): Cents {
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
    throw new TransactionInputError(`${name} must be integer cents within the safe-integer range`);
  }
  return value;
}

/** Replace every occurrence of the card's number and security code in a text meant for storage or logs. */
function redactCard(text: string, card: { number: string; cvv: string } | null): string {
  if (!card) return text;
  let out = text;
  const digits = card.number.replace(/\D/g, '');
  for (const secret of [card.number, digits]) {
    if (secret.length >= 6) out = out.split(secret).join('[card]');
  }
  const cvv = card.cvv.replace(/\D/g, '');
  if (cvv.length >= 3) out = out.replace(new RegExp(`(?<![0-9])${cvv}(?![0-9])`, 'g'), '[cvv]');
  return out;
}

/** Build the service. Nothing runs in the background until `start()`. */
export function createTransactionService(deps: TransactionServiceDeps): TransactionService {
  const { store, bus } = deps;
  const now = deps.now ?? (() => new Date());
  const log = deps.logger ?? silentLogger;
  const hooks = deps.hooks ?? {};
  const cfg = {
    pollIntervalMs: deps.pollIntervalMs ?? DEFAULTS.pollIntervalMs,
    pollAfterMs: deps.pollAfterMs ?? DEFAULTS.pollAfterMs,
    pollDeadlineMs: deps.pollDeadlineMs ?? DEFAULTS.pollDeadlineMs,
    submitRetryDelaysMs: deps.submitRetryDelaysMs?.length ? deps.submitRetryDelaysMs : DEFAULTS.submitRetryDelaysMs,
    submitLeaseMs: deps.submitLeaseMs ?? DEFAULTS.submitLeaseMs,
    submitDeadlineMs: deps.submitDeadlineMs ?? DEFAULTS.submitDeadlineMs,
    collectionLeaseMs: deps.collectionLeaseMs ?? DEFAULTS.collectionLeaseMs,
    idempotencyRetentionMs: deps.idempotencyRetentionMs ?? DEFAULTS.idempotencyRetentionMs,
    webhookReceiptRetentionMs: deps.webhookReceiptRetentionMs ?? DEFAULTS.webhookReceiptRetentionMs,
    batchSize: Math.max(1, deps.batchSize ?? DEFAULTS.batchSize),
    concurrency: Math.max(1, deps.concurrency ?? DEFAULTS.concurrency),
  };
  const prefix = assertTransactionIdPrefix(deps.transactionIdPrefix);
  if (cfg.idempotencyRetentionMs < 24 * HOUR) {
    throw new Error('idempotencyRetentionMs must be at least 24 hours: keys are promised for a day');
  }

  const inFlight = new Set<Promise<unknown>>();
  let tickChain: Promise<void> = Promise.resolve();
  let timer: NodeJS.Timeout | null = null;
  let started = false;
  let stopped = false;
  let lastPrune = -Infinity;

  const later = (ms: number) => new Date(now().getTime() + ms);

  function track<T>(work: () => Promise<T>): Promise<T> {
    const promise = work();
    inFlight.add(promise);
    const forget = () => inFlight.delete(promise);
    promise.then(forget, forget);
    return promise;
  }

  async function publish(row: StoredTransaction): Promise<void> {
    deps.onStatus?.(row.status);
    try {
      await bus.publish({ practiceId: row.practiceId, transactionId: row.transactionId });
    } catch (error) {
      // The change is durable; a subscriber that misses it re-reads the row on its next event.
      log.warn('status bus publish failed', { transactionId: row.transactionId, error: message(error) });
    }
  }

  /** Persist a status change, then announce it. `null` = the status did not allow it (no-op). */
  async function move(
    row: StoredTransaction,
    to: 'SUBMITTED' | 'COMPLETED' | 'FAILED',
    fields: { records?: LedgerRecords; receiptId?: string | null; failureReason?: string; expectAttempts?: number },
  ): Promise<StoredTransaction | null> {
    const updated = await store.transition(row.transactionId, to, {
      now: now(),
      ...fields,
      ...(to === 'SUBMITTED' ? { nextPollAt: later(cfg.pollAfterMs) } : {}),
    });
    if (!updated) {
      log.info('status change skipped: the transaction already moved on', { transactionId: row.transactionId, to });
      return null;
    }
    if (to === 'COMPLETED') checkRecordsSum(updated);
    log.info(`transaction ${to.toLowerCase()}`, {
      practiceId: updated.practiceId,
      transactionId: updated.transactionId,
      status: updated.status,
      ...(updated.failureReason ? { reason: updated.failureReason } : {}),
    });
    await publish(updated);
    return updated;
  }

  /**
   * Why rows found upstream under a ledger write's transaction id cannot be that write's, or `null`
   * (`rowsMismatch` in `src/ledger/records-sum.ts` says how such rows come about). A collection's
   * rows are taken as found: the check guards ledger writes, whose re-post the upstream may refuse as
   * "id already used"; a collection is charged once and never re-posted.
   */
  function foreignRows(row: StoredTransaction, records: LedgerRecords): string | null {
    if (row.kind === 'COLLECTION') return null;
    return rowsMismatch(row, records);
  }

  function foreignRowsReason(row: StoredTransaction, why: string): string {
    return (
      `the rows upstream under transaction id ${row.transactionId} do not match this write (${why}): ` +
      'the id was probably used by another write; check the ledger before entering this one again'
    );
  }

  /** A landed transaction whose rows do not add up to its amount is reported, never "fixed". */
  function checkRecordsSum(row: StoredTransaction): void {
    const sum = recordsSum(row.records, row.amount);
    if (sum.state === 'differs') {
      log.warn('upstream rows do not sum to the transaction amount', {
        transactionId: row.transactionId,
        amount: row.amount,
        recordsTotal: sum.total,
      });
    } else if (sum.state === 'out-of-range') {
      log.warn('upstream rows carry an out-of-range amount', { transactionId: row.transactionId });
    }
  }

  async function retryLater(row: StoredTransaction, reason: string): Promise<void> {
    const delays = cfg.submitRetryDelaysMs;
    const delay = delays[Math.min(Math.max(row.attempts - 1, 0), delays.length - 1)] ?? 0;
    await store.deferSubmit(row.transactionId, later(delay), reason);
    log.warn('submit deferred; will retry', {
      practiceId: row.practiceId,
      transactionId: row.transactionId,
      attempts: row.attempts,
      retryInMs: delay,
      reason,
    });
  }

  async function applyOutcome(row: StoredTransaction, outcome: WriteOutcome): Promise<void> {
    switch (outcome.state) {
      case 'SUBMITTED':
        await move(row, 'SUBMITTED', {});
        return;
      case 'COMPLETED':
        await move(row, 'COMPLETED', { records: outcome.records, receiptId: outcome.receiptId ?? null });
        return;
      case 'FAILED':
        await move(row, 'FAILED', { failureReason: outcome.reason || 'the upstream refused the write' });
        return;
    }
  }

  /** Submit a claimed PENDING ledger write (its `attempts` already counts this attempt). */
  async function submitClaimed(row: StoredTransaction): Promise<void> {
    if (row.request.kind === 'COLLECTION') return;
    const adapter = deps.adapters(row.practiceId);
    if (!adapter?.submitWrite) {
      await retryLater(row, `no ledger-write adapter for practice ${row.practiceId}`);
      return;
    }
    const write: OutgoingLedgerWrite = { ...row.request.write, transactionId: row.transactionId };
    const attemptedBefore = row.attempts > 1;

    // Never post twice: an earlier attempt may have landed (crash or timeout after the upstream
    // accepted). Ask first; a failed look-up means "do not know", so do not post either.
    if (attemptedBefore && adapter.findTransaction) {
      let found: LedgerRecords | null;
      try {
        found = await adapter.findTransaction(write.kind, row.transactionId, write.patientSourceId);
      } catch (error) {
        await retryLater(row, `look-up before re-posting failed: ${message(error)}`);
        return;
      }
      if (hasRows(found)) {
        const foreign = foreignRows(row, found);
        if (foreign) {
          // Not ours (or not all landed yet): never complete with them, never re-post under the id.
          log.warn('rows under this transaction id are not this write; polling instead of re-posting', {
            transactionId: row.transactionId,
            why: foreign,
          });
          await move(row, 'SUBMITTED', {});
          return;
        }
        log.info('an earlier attempt had landed; completing without re-posting', { transactionId: row.transactionId });
        await move(row, 'COMPLETED', { records: found });
        return;
      }
    }
    if (now().getTime() - Date.parse(row.createdAt) >= cfg.submitDeadlineMs) {
      await move(row, 'FAILED', {
        failureReason:
          `the upstream could not be reached for ${Math.round(cfg.submitDeadlineMs / HOUR)} h ` +
          `(${row.attempts - 1} attempts; last error: ${row.lastError ?? 'none'})`,
      });
      return;
    }

    let outcome: WriteOutcome;
    try {
      outcome = await adapter.submitWrite(write);
    } catch (error) {
      if (error instanceof UpstreamError && error.code !== 'UPSTREAM_UNAVAILABLE') {
        if (attemptedBefore && error.reason === 'TRANSACTION_ID_USED') {
          // Our earlier attempt is in the upstream's pipeline; its rows will come by webhook or poll.
          log.info('the upstream already has this transaction id; waiting for it to land', {
            transactionId: row.transactionId,
          });
          await move(row, 'SUBMITTED', {});
          return;
        }
        await move(row, 'FAILED', { failureReason: error.message || 'the upstream rejected the write' });
        return;
      }
      await retryLater(row, message(error));
      return;
    }
    await hooks.afterUpstream?.(toTransactionRow(row), outcome);
    await applyOutcome(row, outcome);
  }

  async function submitIfDue(transactionId: string): Promise<void> {
    const claimed = await store.claimSubmit(transactionId, now(), later(cfg.submitLeaseMs));
    if (claimed) await submitClaimed(claimed);
  }

  /** A PENDING collection whose lease ran out: its process died. Resolve it; never charge again. */
  async function recoverCollection(row: StoredTransaction): Promise<void> {
    const claimed = await store.claimCollectionRecovery(row.transactionId, now(), later(cfg.collectionLeaseMs));
    if (!claimed) return;
    if (claimed.attempts === 0) {
      await move(claimed, 'FAILED', {
        expectAttempts: 0,
        failureReason:
          'the collection was interrupted before the card was sent; nothing was charged ' +
          '(card data is never stored, so collect again with a new idempotency key)',
      });
      return;
    }
    const adapter = deps.adapters(claimed.practiceId);
    if (adapter?.findTransaction) {
      let found: LedgerRecords | null;
      try {
        found = await adapter.findTransaction('PAYMENT', claimed.transactionId, claimed.patientSourceId);
      } catch (error) {
        log.warn('look-up of an interrupted collection failed; will retry', {
          transactionId: claimed.transactionId,
          error: message(error),
        });
        return; // the fresh lease delays the next try
      }
      if (hasRows(found)) {
        await move(claimed, 'COMPLETED', { records: found });
        return;
      }
    }
    await move(claimed, 'FAILED', {
      failureReason:
        'the collection was interrupted after the card was sent upstream and its outcome is unknown; ' +
        "check the patient's receipts before collecting again",
    });
  }

  async function pollOne(row: StoredTransaction): Promise<void> {
    const claimed = await store.claimPoll(row.transactionId, now(), later(cfg.pollIntervalMs));
    if (!claimed) return;
    const adapter = deps.adapters(claimed.practiceId);
    const pastDeadline = now().getTime() - Date.parse(claimed.submittedAt ?? claimed.createdAt) >= cfg.pollDeadlineMs;
    if (adapter?.findTransaction) {
      let found: LedgerRecords | null;
      try {
        found = await adapter.findTransaction(lookupKind(claimed), claimed.transactionId, claimed.patientSourceId);
      } catch (error) {
        // Unknown is not "absent": keep polling, even past the deadline.
        log.warn('poll look-up failed; will retry', { transactionId: claimed.transactionId, error: message(error) });
        return;
      }
      if (hasRows(found)) {
        const foreign = foreignRows(claimed, found);
        if (!foreign) {
          await move(claimed, 'COMPLETED', { records: found });
          return;
        }
        log.warn('poll found rows under this transaction id that are not this write', { transactionId: claimed.transactionId, why: foreign });
        if (pastDeadline) await move(claimed, 'FAILED', { failureReason: foreignRowsReason(claimed, foreign) });
        return;
      }
    }
    if (pastDeadline) {
      await move(claimed, 'FAILED', { failureReason: 'no insertion status from upstream' });
    }
  }

  async function runLimited<T>(items: readonly T[], work: (item: T) => Promise<void>): Promise<void> {
    let next = 0;
    const worker = async () => {
      while (next < items.length) {
        const item = items[next++]!;
        try {
          await work(item);
        } catch (error) {
          log.error('background transaction work failed', { error: message(error) });
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(cfg.concurrency, items.length) }, worker));
  }

  async function prune(at: Date): Promise<void> {
    if (at.getTime() - lastPrune < DEFAULTS.pruneEveryMs) return;
    lastPrune = at.getTime();
    const keys = await store.pruneIdempotencyKeys(new Date(at.getTime() - cfg.idempotencyRetentionMs));
    const receipts = await store.pruneWebhookReceipts(new Date(at.getTime() - cfg.webhookReceiptRetentionMs));
    if (keys + receipts > 0) log.info('pruned idempotency keys and webhook receipts', { keys, receipts });
  }

  async function pass(): Promise<void> {
    const at = now();
    await prune(at);
    const pending = await store.duePending(at, cfg.batchSize);
    await runLimited(pending, (row) =>
      row.kind === 'COLLECTION' ? recoverCollection(row) : submitIfDue(row.transactionId),
    );
    const polls = await store.duePolls(now(), cfg.batchSize);
    await runLimited(polls, pollOne);
  }

  function tick(): Promise<void> {
    const run = tickChain.then(pass);
    tickChain = run.catch(() => undefined);
    return track(() => run);
  }

  function schedule(): void {
    if (stopped) return;
    timer = setTimeout(() => {
      timer = null;
      tick()
        .catch((error) => log.error('transaction pass failed', { error: message(error) }))
        .finally(schedule);
    }, cfg.pollIntervalMs);
    timer.unref?.();
  }

  function assertOpen(): void {
    if (stopped) throw new Error('the transaction service is stopped');
  }

  return {
    async createLedgerTransaction(input) {
      assertOpen();
      const practiceId = requireText(input.practiceId, 'practiceId');
      const idempotencyKey = requireText(input.idempotencyKey, 'idempotencyKey');
      const fingerprint = requireText(input.fingerprint, 'fingerprint', 100_000);
      const w = input.write;
      if (w.kind !== 'PAYMENT' && w.kind !== 'ADJUSTMENT') {
        throw new TransactionInputError('write.kind must be PAYMENT or ADJUSTMENT');
      }
      const write: StoredLedgerWrite = {
        kind: w.kind,
        patientSourceId: requireText(w.patientSourceId, 'write.patientSourceId'),
        amount: requireCents(w.amount, 'write.amount'),
        currency: requireText(w.currency, 'write.currency', 8),
        typeSourceId: requireText(w.typeSourceId, 'write.typeSourceId'),
        providerSplits: w.providerSplits ? w.providerSplits.map((s) => ({ id: s.id, amount: requireCents(s.amount, 'split.amount') })) : null,
        chargeSplits: w.chargeSplits ? w.chargeSplits.map((s) => ({ id: s.id, amount: requireCents(s.amount, 'split.amount') })) : null,
        occurredAt: requireText(w.occurredAt, 'write.occurredAt', 64),
        notes: w.notes ?? null,
      };
      if (!deps.adapters(practiceId)?.submitWrite) {
        throw new TransactionInputError(`practice ${practiceId} does not accept ledger writes`);
      }
      const { row, created } = await store.createTransaction({
        practiceId,
        idempotencyKey,
        fingerprint,
        transactionIdPrefix: prefix,
        kind: write.kind,
        amount: write.amount,
        currency: write.currency,
        patientSourceId: write.patientSourceId,
        request: { kind: write.kind, write },
        now: now(),
      });
      if (!created) return toTransactionRow(row);
      log.info('transaction stored', { practiceId, transactionId: row.transactionId, kind: row.kind });
      await publish(row);
      return track(async () => {
        await hooks.afterStore?.(toTransactionRow(row));
        await submitIfDue(row.transactionId);
        return toTransactionRow((await store.findById(row.transactionId)) ?? row);
      });
    },

    async collect(input) {
      assertOpen();
      const practiceId = requireText(input.practiceId, 'practiceId');
      const idempotencyKey = requireText(input.idempotencyKey, 'idempotencyKey');
      const fingerprint = requireText(input.fingerprint, 'fingerprint', 100_000);
      const c = input.collection;
      const card = c.card;
      const digits = card.number.replace(/\D/g, '');
      if (fingerprint.includes(card.number) || (digits.length >= 12 && fingerprint.includes(digits))) {
        throw new TransactionInputError('the idempotency fingerprint must not contain card data');
      }
      const stored: StoredCollection = {
        patientSourceId: requireText(c.patientSourceId, 'collection.patientSourceId'),
        departmentId: requireText(c.departmentId, 'collection.departmentId'),
        copayAmount: c.copayAmount === null ? null : requireCents(c.copayAmount, 'collection.copayAmount'),
        appointmentId: c.appointmentId ?? null,
        claimPayments: c.claimPayments.map((p) => ({
          claimId: requireText(p.claimId, 'claimPayments.claimId'),
          amount: requireCents(p.amount, 'claimPayments.amount'),
        })),
        otherAmount: c.otherAmount === null ? null : requireCents(c.otherAmount, 'collection.otherAmount'),
        allowDuplicate: c.allowDuplicate === true,
      };
      const total = sumCents([stored.copayAmount ?? 0, stored.otherAmount ?? 0, ...stored.claimPayments.map((p) => p.amount)]);
      const amount = requireCents(input.amountCents, 'amountCents');
      if (Math.abs(amount) !== total || total <= 0) {
        throw new TransactionInputError(
          `amountCents (${amount}) must be the positive total of copay, other amount and claim payments (${total})`,
        );
      }
      const adapter = deps.adapters(practiceId);
      if (!adapter?.collectPayment) {
        throw new TransactionInputError(`practice ${practiceId} does not collect card payments`);
      }

      const { row, created } = await store.createTransaction({
        practiceId,
        idempotencyKey,
        fingerprint,
        transactionIdPrefix: prefix,
        kind: 'COLLECTION',
        amount: -total,
        currency: 'USD',
        patientSourceId: stored.patientSourceId,
        request: { kind: 'COLLECTION', collection: stored },
        now: now(),
        // The lease: if this process dies mid-collection, recovery resolves the row after it.
        nextAttemptAt: later(cfg.collectionLeaseMs),
      });
      if (!created) return toTransactionRow(row);
      log.info('collection stored', { practiceId, transactionId: row.transactionId });
      await publish(row);

      return track(async () => {
        await hooks.afterStore?.(toTransactionRow(row));
        const claimed = await store.claimCollection(row.transactionId);
        if (claimed) {
          let outcome: WriteOutcome | null = null;
          try {
            outcome = await adapter.collectPayment!({ ...c, transactionId: row.transactionId });
          } catch (error) {
            const text = redactCard(message(error), card);
            if (error instanceof UpstreamError && error.code !== 'UPSTREAM_UNAVAILABLE') {
              await move(claimed, 'FAILED', { failureReason: text || 'the upstream rejected the collection' });
            } else {
              // The charge may or may not have happened, and the card is not retried blindly.
              let found: LedgerRecords | null = null;
              try {
                found = (await adapter.findTransaction?.('PAYMENT', row.transactionId, stored.patientSourceId)) ?? null;
              } catch {
                found = null;
              }
              if (hasRows(found)) await move(claimed, 'COMPLETED', { records: found });
              else {
                await move(claimed, 'FAILED', {
                  failureReason:
                    `the upstream could not be reached during the collection (${text}); ` +
                    "check the patient's receipts before collecting again",
                });
              }
            }
          }
          if (outcome) {
            const safe: WriteOutcome =
              outcome.state === 'FAILED' ? { state: 'FAILED', reason: redactCard(outcome.reason, card) } : outcome;
            await hooks.afterUpstream?.(toTransactionRow(claimed), safe);
            await applyOutcome(claimed, safe);
          }
        }
        return toTransactionRow((await store.findById(row.transactionId)) ?? row);
      });
    },

    async get(practiceId, transactionId) {
      const row = await store.get(practiceId, transactionId);
      return row ? toTransactionRow(row) : null;
    },

    async findByIdempotencyKey(practiceId, idempotencyKey) {
      const found = await store.findByIdempotencyKey(practiceId, idempotencyKey);
      return found ? { fingerprint: found.fingerprint, transaction: toTransactionRow(found.row) } : null;
    },

    async listByPractice(practiceId, options) {
      return (await store.listByPractice(practiceId, options)).map(toTransactionRow);
    },

    handleInsertionEvent(practiceId, event) {
      return track(async (): Promise<InsertionEventResult> => {
        const row = await store.get(practiceId, event.transactionId);
        if (!row) {
          log.info('webhook for an unknown transaction ignored', { practiceId, transactionId: event.transactionId });
          return 'ignored';
        }
        if (await store.hasWebhookReceipt(practiceId, event.eventKey)) return 'duplicate';
        let records = event.records ?? emptyRecords();
        if (event.outcome === 'COMPLETED' && !isTerminal(row.status) && !hasRows(records)) {
          const adapter = deps.adapters(practiceId);
          if (adapter?.findTransaction) {
            const found = await adapter.findTransaction(lookupKind(row), row.transactionId, row.patientSourceId);
            if (!hasRows(found)) {
              throw new UpstreamError(
                `transaction ${row.transactionId} is reported complete but its rows are not visible upstream yet`,
                'UPSTREAM_UNAVAILABLE',
              );
            }
            records = found;
          }
        }
        if (event.outcome === 'COMPLETED' && !isTerminal(row.status) && hasRows(records)) {
          const foreign = foreignRows(row, records);
          if (foreign) {
            // Another write's completion under the same id: not ours. Nothing is recorded, so the
            // poller keeps looking for this write's own outcome.
            log.warn('webhook rows under this transaction id are not this write; ignored', {
              practiceId,
              transactionId: row.transactionId,
              why: foreign,
            });
            return 'ignored';
          }
        }
        const { result, row: updated } = await store.applyInsertionEvent({
          practiceId,
          eventKey: event.eventKey,
          transactionId: event.transactionId,
          outcome: event.outcome,
          records,
          reason: event.reason,
          now: now(),
        });
        if (result === 'applied' && updated) {
          if (updated.status === 'COMPLETED') checkRecordsSum(updated);
          log.info(`transaction ${updated.status.toLowerCase()} by webhook`, {
            practiceId,
            transactionId: updated.transactionId,
          });
          await publish(updated);
        }
        return result;
      });
    },

    async start() {
      if (started) return;
      assertOpen();
      started = true;
      try {
        await tick();
      } catch (error) {
        log.error('resuming unfinished transactions failed; the poller will retry', { error: message(error) });
      }
      schedule();
    },

    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      timer = null;
      while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
      await tickChain;
    },

    tick,
  };
}
