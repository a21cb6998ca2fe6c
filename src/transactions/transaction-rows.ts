/** The `ledger_transactions` table's name and how one of its rows reads as a `StoredTransaction`. */
import type { LedgerRecords } from '../adapters/ledger/port';
import { fromJson, toIso, toIsoOrNull, toSafeInteger } from './row-values';
import type { StoredRequest, StoredTransaction } from './store';
import { emptyRecords, type TransactionKind, type TransactionResolution, type TransactionStatus } from './types';

export const TABLE = 'ledger_transactions';

/** `'A', 'B'` from a list of our own constants (never user input). */
export function sqlList(values: readonly string[]): string {
  return values.map((v) => `'${v.replace(/'/g, "''")}'`).join(', ');
}

/** A `ledger_transactions` row (snake_case columns) as the store's `StoredTransaction`. */
export function rowFrom(raw: Record<string, unknown>): StoredTransaction {
  return {
    practiceId: String(raw.practice_id),
    transactionId: String(raw.transaction_id),
    kind: raw.kind as TransactionKind,
    status: raw.status as TransactionStatus,
    amount: toSafeInteger(raw.amount_cents, 'amount_cents'),
    failureReason: (raw.failure_reason as string | null) ?? null,
    records: fromJson<LedgerRecords | null>(raw.records) ?? emptyRecords(),
    patientSourceId: String(raw.patient_source_id),
    idempotencyKeyHash: String(raw.idempotency_key),
    createdAt: toIso(raw.created_at),
    updatedAt: toIso(raw.updated_at),
    receiptId: (raw.receipt_id as string | null) ?? null,
    currency: String(raw.currency),
    request: fromJson<StoredRequest>(raw.request),
    attempts: toSafeInteger(raw.attempts, 'attempts'),
    lastError: (raw.last_error as string | null) ?? null,
    nextAttemptAt: toIsoOrNull(raw.next_attempt_at),
    submittedAt: toIsoOrNull(raw.submitted_at),
    nextPollAt: toIsoOrNull(raw.next_poll_at),
    attention: (raw.attention as string | null | undefined) ?? null,
    resolution: resolutionFrom(raw),
  };
}

/** The `resolution_*` columns (migration 3) as one value; `null` when nobody resolved the row. */
function resolutionFrom(raw: Record<string, unknown>): TransactionResolution | null {
  if (raw.resolution_outcome == null) return null;
  return {
    outcome: raw.resolution_outcome as TransactionResolution['outcome'],
    note: String(raw.resolution_note),
    by: String(raw.resolved_by),
    at: toIso(raw.resolved_at),
  };
}
