/**
 * The patient's pay-page token (`<publicUrl>/pay/<token>`): 256 bits, the only credential of the
 * page, stored only as its SHA-256 (`checkouts.pay_token_hash`, unique) for the page to find its
 * checkout. The token itself is HMAC-SHA256(store key, transaction id): staff can read the link
 * again (`Checkout.payPageUrl`) without the store keeping it, and every instance derives the same
 * one from the store's key (`pay_page_keys`, made once by the first instance).
 *
 * Trade-off, stated: a copy of the database *with* `pay_page_keys` can derive tokens; without that
 * one row it cannot. Rotating the key (a new row) invalidates every open link.
 */
import { createHash, createHmac, randomBytes } from 'node:crypto';
import type { SqlExecutor } from '../../transactions/sql-client';

/** The store's token key, made on first use (racing instances converge on the first insert). */
export async function payPageKey(sql: SqlExecutor, now: Date): Promise<Buffer> {
  await sql.query(
    `INSERT INTO pay_page_keys (id, secret, created_at) VALUES (1, $1, $2::timestamptz) ON CONFLICT (id) DO NOTHING`,
    [randomBytes(32).toString('base64'), now.toISOString()],
  );
  const { rows } = await sql.query<{ secret: string }>('SELECT secret FROM pay_page_keys WHERE id = 1');
  const secret = rows[0]?.secret;
  if (!secret) throw new Error('expected the pay-page key row after inserting it');
  return Buffer.from(secret, 'base64');
}

/** The token of a checkout's page: 256 bits, URL-safe. */
export function payToken(key: Buffer, transactionId: string): string {
  return createHmac('sha256', key).update(`pay-page\n${transactionId}`).digest('base64url');
}

/** What the store keeps of a token. */
export function payTokenHash(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** `<publicUrl>/pay/<token>`. */
export function payPageUrl(publicUrl: string, token: string): string {
  return `${publicUrl.replace(/\/+$/, '')}/pay/${token}`;
}
