/**
 * The durable transaction store: ledger transactions, idempotency keys, the transaction-id sequence,
 * webhook receipts and webhook registrations, in PostgreSQL (PGlite or a server) through `SqlClient`.
 *
 * Every status change is a single `UPDATE … WHERE status IN (<allowed predecessors>)`, so a terminal
 * status never moves back whatever order deliveries, polls and submits race in; a trigger backs that
 * up. Card data never reaches this module: a collection's stored request holds only non-card fields.
 * All timestamps come from the caller (`now`), which keeps the service deterministic under test.
 *
 * This file holds the store's types and its class; the SQL lives by role in `transaction-rows.ts`
 * (row mapping), `create-transaction.ts` (idempotent creation), `transitions.ts` and
 * `webhook-store.ts` (receipts and registrations).
 *
 *     const store = await openStore('memory://');
 *     const { row, created } = await store.createTransaction({
 *       practiceId: 'smile-dental', idempotencyKey: 'k-1', fingerprint: 'payment|42|-5000|…',
 *       transactionIdPrefix: 'LG', kind: 'PAYMENT', amount: -5000, currency: 'USD',
 *       patientSourceId: '42', request: { kind: 'PAYMENT', write }, now: new Date(),
 *     });
 *     // row.transactionId === 'LG:1000', row.status === 'PENDING', created === true
 *     await store.transition(row.transactionId, 'SUBMITTED', { now: new Date(), nextPollAt });
 */
import type { CardCollection, LedgerRecords, OutgoingLedgerWrite, WebhookRegistration } from '../adapters/ledger/port';
import { createTransaction, readKey } from './create-transaction';
import { setAttention, stopPolling } from './attention-store';
import type { SqlClient, SqlExecutor } from './sql-client';
import { rowFrom, TABLE } from './transaction-rows';
import { transitionWith } from './transitions';
import type { TransactionKind, TransactionRow, TransactionStatus } from './types';
import {
  applyInsertionEvent,
  getWebhookRegistration,
  hasWebhookReceipt,
  pruneWebhookReceipts,
  registerWebhookOnce,
  upsertWebhookRegistration,
} from './webhook-store';

/** A ledger write as stored: everything but the transaction id (the row has it). */
export type StoredLedgerWrite = Omit<OutgoingLedgerWrite, 'transactionId'>;
/** A card collection as stored: the card is NEVER part of it. */
export type StoredCollection = Omit<CardCollection, 'transactionId' | 'card'>;

/** What the submitter needs to (re)send the transaction, minus anything secret. */
export type StoredRequest =
  | { kind: 'PAYMENT' | 'ADJUSTMENT'; write: StoredLedgerWrite }
  | { kind: 'COLLECTION'; collection: StoredCollection }
  /** A collection through a processor: the rest is its `checkouts` row (`src/flows/collection/`). */
  | { kind: 'COLLECTION'; checkout: { processor: string; paymentTypeId: string } }
  /** A refund of a processor checkout's payment: the rest is its `checkout_refunds` row. */
  | { kind: 'REFUND'; refund: { of: string } };

/** The full stored row: the public view plus the submitter's bookkeeping. */
export interface StoredTransaction extends TransactionRow {
  currency: string;
  request: StoredRequest;
  /** How many times a submit was started (incremented, durably, BEFORE each upstream call). */
  attempts: number;
  lastError: string | null;
  /** PENDING: when the next submit may start (a retry time, or the lease of a running attempt). */
  nextAttemptAt: string | null;
  submittedAt: string | null;
  /** SUBMITTED: when to look the transaction up upstream next. */
  nextPollAt: string | null;
}

export interface NewTransaction {
  practiceId: string;
  idempotencyKey: string;
  /** A canonical text of the input (never card data); same key + other fingerprint = conflict. */
  fingerprint: string;
  /** The id is `<transactionIdPrefix>:<nextval>` (`formatTransactionId`, `src/ledger/transaction-id.ts`). */
  transactionIdPrefix: string;
  kind: TransactionKind;
  /** Signed like a ledger entry. */
  amount: number;
  currency: string;
  patientSourceId: string;
  request: StoredRequest;
  now: Date;
  /** When the first submit may start; `null` (default) = right away. */
  nextAttemptAt?: Date | null;
  /**
   * A refund (a positive PAYMENT): the most the patient's refunds not yet in her ledger, this one
   * included, may add up to (`RefundExceedsRefundable` beyond); see `create-transaction.ts`.
   */
  refundCeiling?: number;
  /**
   * Runs inside the same SQL transaction, after the row is inserted (not for a replay): the outbox,
   * where the write path enqueues the row's job with `tx`, so both commit or neither does.
   */
  afterInsert?: (tx: SqlExecutor, row: StoredTransaction) => Promise<void>;
}

/** Fields that go with a status change. */
export interface TransitionFields {
  now: Date;
  /** FAILED: why (required). */
  failureReason?: string;
  /** COMPLETED: the resulting ledger rows. */
  records?: LedgerRecords;
  receiptId?: string | null;
  /** SUBMITTED: when to poll upstream if no webhook arrives. */
  nextPollAt?: Date;
  /** SUBMITTED: a person must act on it from now on (`attention.ts`), set in the same UPDATE. */
  attention?: string;
  /** Only apply if `attempts` still equals this (e.g. "no attempt was ever started"). */
  expectAttempts?: number;
  /**
   * COMPLETED / FAILED by staff (`resolveTransaction`): only applies while the row needs attention,
   * and records who settled it, why and when with the status.
   */
  resolution?: { outcome: 'COMPLETED' | 'FAILED'; note: string; by: string };
  /**
   * Runs inside the same SQL transaction when the change applied: the write path enqueues the
   * SUBMITTED row's `ledger.poll` job with `tx`, so the status and its poll commit together.
   */
  afterUpdate?: (tx: SqlExecutor, row: StoredTransaction) => Promise<void>;
}

export type InsertionApplyResult = 'applied' | 'duplicate' | 'ignored';

export interface InsertionEventRecord {
  practiceId: string;
  eventKey: string;
  transactionId: string;
  outcome: 'COMPLETED' | 'FAILED';
  records: LedgerRecords;
  reason: string | null;
  now: Date;
}

/** The store's API. `SqlTransactionStore` is the one implementation (every back end speaks SQL). */
export interface TransactionStore {
  /** Which back end, for logs (`pglite` or `postgres`). */
  readonly dialect: SqlClient['dialect'];
  /**
   * The store's one database handle, shared with the job queue (`createJobQueue({ sql })`): PGlite
   * allows one instance per directory, and the outbox needs both in one SQL transaction.
   */
  readonly sql: SqlClient;

  /**
   * In ONE SQL transaction: bind the idempotency key to a new id and insert the PENDING row.
   * The same key with the same fingerprint (and kind) returns the existing row (`created: false`),
   * also when requests race; a different fingerprint throws `IdempotencyConflict`, writing nothing.
   */
  createTransaction(input: NewTransaction): Promise<{ row: StoredTransaction; created: boolean }>;
  /** A practice's transaction; `null` when unknown or another practice's. */
  get(practiceId: string, transactionId: string): Promise<StoredTransaction | null>;
  /** The transaction an idempotency key is bound to, with the fingerprint it was bound with. */
  findByIdempotencyKey(
    practiceId: string,
    idempotencyKey: string,
  ): Promise<{ fingerprint: string; row: StoredTransaction } | null>;
  /** A transaction by id alone (internal use: the submitter). */
  findById(transactionId: string): Promise<StoredTransaction | null>;
  /** A practice's transactions, newest first. */
  listByPractice(practiceId: string, options?: { limit?: number; status?: TransactionStatus }): Promise<StoredTransaction[]>;

  /**
   * PENDING and SUBMITTED rows without a live (`queued`/`active`) job under their transaction id, oldest
   * first: rows written before the write path ran on jobs, which `start()` gives a job.
   */
  unfinishedWithoutJob(limit: number): Promise<StoredTransaction[]>;
  /**
   * Claim a due PENDING ledger write for one submit attempt: `attempts + 1` and a lease until
   * `leaseUntil`, committed before the upstream call. `null` if not PENDING, not due, or claimed by
   * someone else first (another instance, a concurrent tick).
   */
  claimSubmit(transactionId: string, now: Date, leaseUntil: Date): Promise<StoredTransaction | null>;
  /** Claim a just-created collection for its one and only attempt (`attempts` 0 → 1). */
  claimCollection(transactionId: string): Promise<StoredTransaction | null>;
  /** Claim an abandoned PENDING collection (its lease ran out) for resolution, without counting an attempt. */
  claimCollectionRecovery(transactionId: string, now: Date, leaseUntil: Date): Promise<StoredTransaction | null>;
  /**
   * Leave a PENDING row for a retry at `nextAttemptAt`, remembering the error. `refundAttempt`: the
   * attempt provably never reached the upstream (an open circuit breaker): `attempts - 1`.
   */
  deferSubmit(
    transactionId: string,
    nextAttemptAt: Date,
    lastError: string,
    options?: { refundAttempt?: boolean },
  ): Promise<void>;
  /**
   * Move a transaction forward. Returns the updated row, or `null` when the current status does not
   * allow it (already terminal, already submitted, …): a no-op, never an error.
   */
  transition(
    transactionId: string,
    to: Exclude<TransactionStatus, 'PENDING'>,
    fields: TransitionFields,
  ): Promise<StoredTransaction | null>;

  /**
   * Mark a SUBMITTED write as needing a person (`attention`), once: a row that already has attention
   * keeps its first text and time. The row after it, or `null` when it is not SUBMITTED any more.
   */
  setAttention(transactionId: string, attention: string, now: Date): Promise<StoredTransaction | null>;
  /** Stop looking a write up (its look-up window is over): clears `next_poll_at`, so a restart does not resume it. */
  stopPolling(transactionId: string): Promise<void>;

  /** Whether a webhook delivery with this key was already received. */
  hasWebhookReceipt(practiceId: string, eventKey: string): Promise<boolean>;
  /**
   * In one SQL transaction: record the delivery's key and apply its outcome from a non-terminal
   * status. `duplicate`: key seen before, nothing changed. `ignored`: recorded, but the transaction was
   * already terminal (or unknown: then nothing is recorded). `applied`: the status changed.
   */
  applyInsertionEvent(event: InsertionEventRecord): Promise<{ result: InsertionApplyResult; row: StoredTransaction | null }>;

  /** Delete idempotency keys created before `cutoff`; returns how many. */
  pruneIdempotencyKeys(cutoff: Date): Promise<number>;
  /** Delete webhook receipts received before `cutoff`; returns how many. */
  pruneWebhookReceipts(cutoff: Date): Promise<number>;

  /** Create or replace the practice's upstream webhook endpoint and its signing secret. */
  saveWebhookRegistration(practiceId: string, registration: WebhookRegistration, now?: Date): Promise<void>;
  getWebhookRegistration(practiceId: string): Promise<WebhookRegistration | null>;
  /**
   * Register the practice's webhook upstream and save it, one instance at a time: several gateway
   * instances starting together on one store would otherwise each create an endpoint and overwrite
   * each other's secret. Under a per-practice advisory lock, `register` runs (an adapter reuses an
   * endpoint that already has the same target URL) and its answer is saved.
   */
  registerWebhookOnce(practiceId: string, register: () => Promise<WebhookRegistration>, now?: Date): Promise<WebhookRegistration>;

  close(): Promise<void>;
}

/** The SQL implementation of `TransactionStore`, for every back end. Build it with `openStore(url)`. */
export class SqlTransactionStore implements TransactionStore {
  constructor(readonly sql: SqlClient) {}

  get dialect(): SqlClient['dialect'] {
    return this.sql.dialect;
  }

  createTransaction(input: NewTransaction): Promise<{ row: StoredTransaction; created: boolean }> {
    return createTransaction(this.sql, input);
  }

  findByIdempotencyKey(practiceId: string, idempotencyKey: string) {
    return readKey(this.sql, practiceId, idempotencyKey);
  }

  async get(practiceId: string, transactionId: string): Promise<StoredTransaction | null> {
    const { rows } = await this.sql.query<Record<string, unknown>>(
      `SELECT * FROM ${TABLE} WHERE practice_id = $1 AND transaction_id = $2`,
      [practiceId, transactionId],
    );
    return rows[0] ? rowFrom(rows[0]) : null;
  }

  async findById(transactionId: string): Promise<StoredTransaction | null> {
    const { rows } = await this.sql.query<Record<string, unknown>>(`SELECT * FROM ${TABLE} WHERE transaction_id = $1`, [
      transactionId,
    ]);
    return rows[0] ? rowFrom(rows[0]) : null;
  }

  async listByPractice(
    practiceId: string,
    options: { limit?: number; status?: TransactionStatus } = {},
  ): Promise<StoredTransaction[]> {
    const limit = Math.max(1, Math.min(options.limit ?? 50, 1000));
    const { rows } = await this.sql.query<Record<string, unknown>>(
      `SELECT * FROM ${TABLE}
        WHERE practice_id = $1 AND ($2::text IS NULL OR status = $2::text)
        ORDER BY created_at DESC, transaction_id DESC LIMIT $3`,
      [practiceId, options.status ?? null, limit],
    );
    return rows.map(rowFrom);
  }

  async unfinishedWithoutJob(limit: number): Promise<StoredTransaction[]> {
    const { rows } = await this.sql.query<Record<string, unknown>>(
      `SELECT t.* FROM ${TABLE} t
        WHERE t.status IN ('PENDING', 'SUBMITTED')
          AND NOT (t.status = 'SUBMITTED' AND t.attention IS NOT NULL AND t.next_poll_at IS NULL)
          -- Checkouts resume through their own job (src/flows/collection/), never a card collection's.
          AND NOT EXISTS (SELECT 1 FROM checkouts c WHERE c.transaction_id = t.transaction_id)
          AND NOT EXISTS (SELECT 1 FROM checkout_refunds r WHERE r.transaction_id = t.transaction_id)
          AND NOT EXISTS (SELECT 1 FROM jobs j
                           WHERE j.singleton_key = t.transaction_id AND j.state IN ('queued', 'active'))
        ORDER BY t.created_at, t.transaction_id LIMIT $1`,
      [limit],
    );
    return rows.map(rowFrom);
  }

  async claimSubmit(transactionId: string, now: Date, leaseUntil: Date): Promise<StoredTransaction | null> {
    const { rows } = await this.sql.query<Record<string, unknown>>(
      `UPDATE ${TABLE} SET attempts = attempts + 1, next_attempt_at = $3::timestamptz
        WHERE transaction_id = $1 AND status = 'PENDING' AND kind <> 'COLLECTION'
          AND (next_attempt_at IS NULL OR next_attempt_at <= $2::timestamptz)
        RETURNING *`,
      [transactionId, now.toISOString(), leaseUntil.toISOString()],
    );
    return rows[0] ? rowFrom(rows[0]) : null;
  }

  async claimCollection(transactionId: string): Promise<StoredTransaction | null> {
    const { rows } = await this.sql.query<Record<string, unknown>>(
      `UPDATE ${TABLE} SET attempts = attempts + 1
        WHERE transaction_id = $1 AND status = 'PENDING' AND kind = 'COLLECTION' AND attempts = 0
        RETURNING *`,
      [transactionId],
    );
    return rows[0] ? rowFrom(rows[0]) : null;
  }

  async claimCollectionRecovery(transactionId: string, now: Date, leaseUntil: Date): Promise<StoredTransaction | null> {
    const { rows } = await this.sql.query<Record<string, unknown>>(
      `UPDATE ${TABLE} SET next_attempt_at = $3::timestamptz
        WHERE transaction_id = $1 AND status = 'PENDING' AND kind = 'COLLECTION'
          AND (next_attempt_at IS NULL OR next_attempt_at <= $2::timestamptz)
        RETURNING *`,
      [transactionId, now.toISOString(), leaseUntil.toISOString()],
    );
    return rows[0] ? rowFrom(rows[0]) : null;
  }

  async deferSubmit(
    transactionId: string,
    nextAttemptAt: Date,
    lastError: string,
    options: { refundAttempt?: boolean } = {},
  ): Promise<void> {
    await this.sql.query(
      `UPDATE ${TABLE} SET next_attempt_at = $2::timestamptz, last_error = $3,
              attempts = CASE WHEN $4::boolean AND attempts > 0 THEN attempts - 1 ELSE attempts END
        WHERE transaction_id = $1 AND status = 'PENDING'`,
      [transactionId, nextAttemptAt.toISOString(), lastError.slice(0, 2000), options.refundAttempt === true],
    );
  }

  transition(
    transactionId: string,
    to: Exclude<TransactionStatus, 'PENDING'>,
    fields: TransitionFields,
  ): Promise<StoredTransaction | null> {
    const { afterUpdate } = fields;
    if (!afterUpdate) return transitionWith(this.sql, transactionId, to, fields);
    return this.sql.transaction(async (tx) => {
      const row = await transitionWith(tx, transactionId, to, fields);
      if (row) await afterUpdate(tx, row);
      return row;
    });
  }

  setAttention(transactionId: string, attention: string, now: Date): Promise<StoredTransaction | null> {
    return setAttention(this.sql, transactionId, attention, now);
  }

  stopPolling(transactionId: string): Promise<void> {
    return stopPolling(this.sql, transactionId);
  }

  hasWebhookReceipt(practiceId: string, eventKey: string): Promise<boolean> {
    return hasWebhookReceipt(this.sql, practiceId, eventKey);
  }

  applyInsertionEvent(event: InsertionEventRecord): Promise<{ result: InsertionApplyResult; row: StoredTransaction | null }> {
    return applyInsertionEvent(this.sql, event);
  }

  async pruneIdempotencyKeys(cutoff: Date): Promise<number> {
    const result = await this.sql.query('DELETE FROM idempotency_keys WHERE created_at < $1::timestamptz', [
      cutoff.toISOString(),
    ]);
    return result.rowCount;
  }

  pruneWebhookReceipts(cutoff: Date): Promise<number> {
    return pruneWebhookReceipts(this.sql, cutoff);
  }

  async saveWebhookRegistration(practiceId: string, registration: WebhookRegistration, now: Date = new Date()): Promise<void> {
    await upsertWebhookRegistration(this.sql, practiceId, registration, now);
  }

  getWebhookRegistration(practiceId: string): Promise<WebhookRegistration | null> {
    return getWebhookRegistration(this.sql, practiceId);
  }

  registerWebhookOnce(
    practiceId: string,
    register: () => Promise<WebhookRegistration>,
    now: Date = new Date(),
  ): Promise<WebhookRegistration> {
    return registerWebhookOnce(this.sql, practiceId, register, now);
  }

  close(): Promise<void> {
    return this.sql.close();
  }
}
