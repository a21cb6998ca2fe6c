/**
 * The vocabulary of durable ledger transactions: kinds, statuses, the forward-only status machine and
 * the row shape the GraphQL layer renders.
 *
 *     import { canTransition, isTerminal } from './types';
 *     canTransition('SUBMITTED', 'COMPLETED'); // true
 *     canTransition('COMPLETED', 'FAILED');    // false: a terminal status never moves
 *     isTerminal('FAILED');                    // true
 */
import type { Cents, LedgerRecords } from '../adapters/ledger/port';

/**
 * What a transaction writes upstream. `COLLECTION` is a card collection on a synchronous system
 * (athenahealth `collectpayment`) or a processor checkout; the GraphQL enum `TransactionKind` has it
 * as `COLLECTION`. `REFUND` gives back part of a checkout's payment (`src/flows/collection/`).
 */
export type TransactionKind = 'PAYMENT' | 'ADJUSTMENT' | 'COLLECTION' | 'REFUND';

/** Where a transaction is in its life. `COMPLETED` and `FAILED` are terminal. */
export type TransactionStatus = 'PENDING' | 'SUBMITTED' | 'COMPLETED' | 'FAILED';

export const TRANSACTION_KINDS: readonly TransactionKind[] = ['PAYMENT', 'ADJUSTMENT', 'COLLECTION', 'REFUND'];
export const TRANSACTION_STATUSES: readonly TransactionStatus[] = ['PENDING', 'SUBMITTED', 'COMPLETED', 'FAILED'];

/**
 * The statuses a transaction may move to `status` from. Status only moves forward:
 * PENDING→SUBMITTED→COMPLETED|FAILED, PENDING→COMPLETED (synchronous systems), PENDING→FAILED.
 * The store enforces this with `WHERE status IN (…)` on every update (and a trigger as a backstop).
 */
export const ALLOWED_FROM: Readonly<Record<TransactionStatus, readonly TransactionStatus[]>> = {
  PENDING: [],
  SUBMITTED: ['PENDING'],
  COMPLETED: ['PENDING', 'SUBMITTED'],
  FAILED: ['PENDING', 'SUBMITTED'],
};

/** `true` for COMPLETED and FAILED: nothing moves a transaction out of them. */
export function isTerminal(status: TransactionStatus): boolean {
  return status === 'COMPLETED' || status === 'FAILED';
}

/** Whether the status machine allows `from → to`. */
export function canTransition(from: TransactionStatus, to: TransactionStatus): boolean {
  return ALLOWED_FROM[to].includes(from);
}

/** An empty set of ledger records (what a transaction has before it lands). */
export function emptyRecords(): LedgerRecords {
  return { payments: [], adjustments: [] };
}

/** The public view of a transaction, what `LedgerTransaction` is rendered from. Never holds card data. */
export interface TransactionRow {
  practiceId: string;
  /** Exactly the id sent upstream: `<prefix>:<sequence>`, at most 50 characters. */
  transactionId: string;
  kind: TransactionKind;
  status: TransactionStatus;
  /** Signed like a ledger entry: a payment (and a collection) is negative. */
  amount: Cents;
  /** Set exactly when `status` is FAILED. */
  failureReason: string | null;
  /** The ledger rows the transaction produced upstream (empty until COMPLETED). */
  records: LedgerRecords;
  patientSourceId: string;
  /** The idempotency key's hash (`idempotency-key-hash.ts`): the key itself is never stored. */
  idempotencyKeyHash: string;
  /** ISO 8601. */
  createdAt: string;
  /** ISO 8601: the last status change. */
  updatedAt: string;
  /** The upstream's receipt id where it gives one (athenahealth `epaymentid`). */
  receiptId: string | null;
  /**
   * Non-null when a person must act: a write with no answer from upstream for 48 h may still land,
   * so it is never failed by the clock; staff check the ledger and settle it (`resolution`).
   */
  attention: string | null;
  /** How staff settled a write that needed attention; `null` when nobody did. */
  resolution: TransactionResolution | null;
}

/** A staff member's settlement of a write that needed attention (`resolveTransaction`). */
export interface TransactionResolution {
  outcome: 'COMPLETED' | 'FAILED';
  note: string;
  /** The API key's name (from the config), never the key. */
  by: string;
  /** ISO 8601. */
  at: string;
}
