/**
 * Idempotency keys are stored as a hash, never as given: clients choose them freely, and some choose
 * what they have at hand (an invoice number, a card number). The store only ever needs equality, so
 * it keeps `sha256(practiceId + "\n" + key)` in hex — per practice, so one key under two practices
 * gives two hashes. The newline cannot occur in a practice id (`src/config.ts`), so no two
 * (practice, key) pairs share an input.
 *
 * Migration 2 (`migrations.ts`) turns keys stored in clear into the same hash with SQL's `sha256()`;
 * `IDEMPOTENCY_KEY_HASH_SQL` is that expression and a test holds the two equal.
 *
 *     idempotencyKeyHash('smile-dental', 'k-1'); // '5f0c…' (64 hex characters)
 */
import { createHash } from 'node:crypto';

export function idempotencyKeyHash(practiceId: string, idempotencyKey: string): string {
  return createHash('sha256').update(`${practiceId}\n${idempotencyKey}`, 'utf8').digest('hex');
}

/** The same hash in SQL, over a row's `practice_id` and `idempotency_key` columns. */
export const IDEMPOTENCY_KEY_HASH_SQL = `encode(sha256(convert_to(practice_id || E'\\n' || idempotency_key, 'UTF8')), 'hex')`;
