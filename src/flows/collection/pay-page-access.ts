/**
 * What a pay-page token opens: its one checkout (with its transaction's status), or nothing. The
 * token is the page's only credential (`pay-token.ts`), so how it is checked must not leak anything:
 *
 * - **The same work on every path.** A right, a wrong and an expired token each cost one SHA-256,
 *   one indexed lookup (the unique `pay_token_hash`, joined to the transaction's status) and one
 *   constant-time comparison (against a fixed absent hash when nothing was found), then the validity
 *   rule. No early exit: a guess that shares a prefix with a real token is answered as fast as any
 *   other, and an expired link looks exactly like one that never existed (both: `null`).
 *   `trace` records the steps so a test can assert the paths are the same (test/e2e/pay-page.test.ts).
 * - **Valid until the checkout is closed plus 30 days** (the receipt view, src/flows/collection/README.md):
 *   closed = paid (`paidAt`), canceled (its last change, at most `expiresAt`), else its `expiresAt`
 *   (an OPEN checkout cannot be paid after it, so nothing closes later).
 */
import { timingSafeEqual } from 'node:crypto';
import type { SqlExecutor } from '../../transactions/sql-client';
import type { TransactionStatus } from '../../transactions/types';
import { checkoutFrom, type CheckoutRow } from './checkout-store';
import { payTokenHash } from './pay-token';

/** How long after its checkout closed a link still shows the receipt (the page's contract). */
export const PAY_PAGE_RECEIPT_DAYS = 30;

const DAY_MS = 86_400_000;

/** Compared with when no row matched, so the comparison runs on that path too (no token hashes to it). */
const ABSENT_HASH = Buffer.alloc(32);

/** The steps `openPayPage` takes, in order (the same list for every token). */
export type PayPageStep = 'hash' | 'lookup' | 'compare' | 'validity';

export interface PayPageCheckout {
  checkout: CheckoutRow;
  /** The status of the checkout's COLLECTION transaction: the ledger posting's progress. */
  posting: TransactionStatus;
}

/** Until when a checkout's link opens (exclusive). */
export function payPageValidUntil(checkout: Pick<CheckoutRow, 'status' | 'paidAt' | 'updatedAt' | 'expiresAt'>): Date {
  const expires = Date.parse(checkout.expiresAt);
  const closed =
    checkout.status === 'PAID' && checkout.paidAt
      ? Date.parse(checkout.paidAt)
      : checkout.status === 'CANCELED'
        ? Math.min(Date.parse(checkout.updatedAt), expires)
        : expires;
  return new Date(closed + PAY_PAGE_RECEIPT_DAYS * DAY_MS);
}

/** The checkout `token` opens at `now`, or `null` (wrong, malformed or expired: one answer). */
export async function openPayPage(
  sql: SqlExecutor,
  token: string,
  now: Date,
  trace?: (step: PayPageStep) => void,
): Promise<PayPageCheckout | null> {
  const hash = payTokenHash(token);
  trace?.('hash');
  const { rows } = await sql.query<Record<string, unknown>>(
    `SELECT c.*, t.status AS transaction_status
       FROM checkouts c JOIN ledger_transactions t ON t.transaction_id = c.transaction_id
      WHERE c.pay_token_hash = $1`,
    [hash],
  );
  trace?.('lookup');
  const row = rows[0];
  const presented = Buffer.from(hash, 'hex');
  const stored = row ? Buffer.from(String(row.pay_token_hash), 'hex') : ABSENT_HASH;
  // The index already matched; the comparison is what makes the found and not-found paths alike.
  const same = stored.length === presented.length && timingSafeEqual(stored, presented);
  trace?.('compare');
  const checkout = row ? checkoutFrom(row) : null;
  const live = checkout !== null && now.getTime() < payPageValidUntil(checkout).getTime();
  trace?.('validity');
  if (!row || !checkout || !same || !live) return null;
  return { checkout, posting: row.transaction_status as TransactionStatus };
}
