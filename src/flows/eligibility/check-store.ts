/**
 * The `eligibility_checks` table (migration 9): one row per question, keyed by the hash of what was
 * asked. A row is PENDING (an inquiry the clearinghouse accepted and has not answered: its id is
 * polled by the next request, never posted again), or the last answer (COMPLETE/PARTIAL: the cache;
 * REJECTED: kept for the record, never served from the cache). A PENDING row without an inquiry id
 * is a claimed POST (`claimPost`): one request is posting the question; the others wait on the row.
 */
import { createHash } from 'node:crypto';
import { fromJson, toIsoOrNull } from '../../transactions/row-values';
import type { SqlExecutor } from '../../transactions/sql-client';
import type { EligibilityResult } from './types';

export type CheckState = 'PENDING' | 'COMPLETE' | 'PARTIAL' | 'REJECTED';

export interface CheckRow {
  cacheKey: string;
  state: CheckState;
  inquiryId: string | null;
  result: EligibilityResult | null;
  postedAt: string | null;
  checkedAt: string | null;
}

/** What identifies one question; the member id is part of it but only its hash is stored. */
export interface CheckKey {
  practiceId: string;
  patientId: string;
  coverageId: string;
  payerId: string;
  memberId: string;
  asOfDate: string;
  serviceTypeCodes: readonly string[];
}

/** The row's key: sha256 of the question's canonical text (no PHI kept in the clear). */
export function cacheKeyOf(key: CheckKey): string {
  const text = JSON.stringify([
    key.practiceId,
    key.patientId,
    key.coverageId,
    key.payerId,
    key.memberId,
    key.asOfDate,
    [...key.serviceTypeCodes],
  ]);
  return createHash('sha256').update(text).digest('hex');
}

function rowFrom(raw: Record<string, unknown>): CheckRow {
  return {
    cacheKey: String(raw.cache_key),
    state: raw.state as CheckState,
    inquiryId: (raw.inquiry_id as string | null) ?? null,
    result: raw.result == null ? null : fromJson<EligibilityResult>(raw.result),
    postedAt: toIsoOrNull(raw.posted_at),
    checkedAt: toIsoOrNull(raw.checked_at),
  };
}

export async function getCheck(sql: SqlExecutor, cacheKey: string): Promise<CheckRow | null> {
  const { rows } = await sql.query<Record<string, unknown>>(`SELECT * FROM eligibility_checks WHERE cache_key = $1`, [cacheKey]);
  return rows[0] ? rowFrom(rows[0]) : null;
}

/** Store an accepted inquiry's id (before polling it), replacing whatever the key held. */
export async function storePending(sql: SqlExecutor, key: CheckKey, inquiryId: string, now: Date): Promise<void> {
  await sql.query(
    `INSERT INTO eligibility_checks (cache_key, practice_id, patient_id, coverage_id, payer_id, as_of_date, state,
                                     inquiry_id, result, posted_at, checked_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, 'PENDING', $7, NULL, $8, NULL, $8)
     ON CONFLICT (cache_key) DO UPDATE SET state = 'PENDING', inquiry_id = $7, result = NULL, posted_at = $8,
                                           checked_at = NULL, updated_at = $8`,
    [cacheKeyOf(key), key.practiceId, key.patientId, key.coverageId, key.payerId, key.asOfDate, inquiryId, now.toISOString()],
  );
}

/** Store an answer (the cache for COMPLETE/PARTIAL), replacing the pending inquiry it ends. */
export async function storeAnswer(
  sql: SqlExecutor,
  key: CheckKey,
  inquiryId: string | null,
  result: EligibilityResult,
  now: Date,
): Promise<void> {
  await sql.query(
    `INSERT INTO eligibility_checks (cache_key, practice_id, patient_id, coverage_id, payer_id, as_of_date, state,
                                     inquiry_id, result, posted_at, checked_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::jsonb, NULL, $10, $10)
     ON CONFLICT (cache_key) DO UPDATE SET state = $7, inquiry_id = $8, result = $9::jsonb, checked_at = $10,
                                           updated_at = $10`,
    [
      cacheKeyOf(key),
      key.practiceId,
      key.patientId,
      key.coverageId,
      key.payerId,
      key.asOfDate,
      result.status,
      inquiryId,
      JSON.stringify(result),
      now.toISOString(),
    ],
  );
}

/** Forget a pending inquiry the clearinghouse no longer knows (it expired): the next request posts anew. */
export async function dropPending(sql: SqlExecutor, cacheKey: string, inquiryId: string): Promise<void> {
  await sql.query(`DELETE FROM eligibility_checks WHERE cache_key = $1 AND state = 'PENDING' AND inquiry_id = $2`, [
    cacheKey,
    inquiryId,
  ]);
}

/**
 * Claim the right to POST the question: insert (or take over) the row as PENDING without an inquiry
 * id. Only one request wins, across instances sharing the store (the primary key and the row lock
 * of `ON CONFLICT … DO UPDATE … WHERE`). Taken over: a REJECTED row, an answer checked before
 * `answeredBefore` (too old, or older than a `refresh`), a claim made before `claimedBefore` (its
 * poster died). A PENDING row with an inquiry id is never taken: it is polled. The old answer stays
 * in `result` until the new one replaces it, so `releasePost` can put it back. True when claimed.
 */
export async function claimPost(
  sql: SqlExecutor,
  key: CheckKey,
  now: Date,
  answeredBefore: Date,
  claimedBefore: Date,
): Promise<boolean> {
  const { rows } = await sql.query<Record<string, unknown>>(
    `INSERT INTO eligibility_checks (cache_key, practice_id, patient_id, coverage_id, payer_id, as_of_date, state,
                                     inquiry_id, result, posted_at, checked_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, 'PENDING', NULL, NULL, $7, NULL, $7)
     ON CONFLICT (cache_key) DO UPDATE SET state = 'PENDING', inquiry_id = NULL, posted_at = $7, updated_at = $7
       WHERE eligibility_checks.state = 'REJECTED'
          OR (eligibility_checks.state IN ('COMPLETE', 'PARTIAL') AND eligibility_checks.checked_at < $8)
          OR (eligibility_checks.state = 'PENDING' AND eligibility_checks.inquiry_id IS NULL AND eligibility_checks.posted_at < $9)
     RETURNING cache_key`,
    [
      cacheKeyOf(key),
      key.practiceId,
      key.patientId,
      key.coverageId,
      key.payerId,
      key.asOfDate,
      now.toISOString(),
      answeredBefore.toISOString(),
      claimedBefore.toISOString(),
    ],
  );
  return rows.length === 1;
}

/** Give back a claim whose POST failed: the answer it covered is served again, or the row goes. */
export async function releasePost(sql: SqlExecutor, cacheKey: string, claimedAt: Date): Promise<void> {
  const mine = `cache_key = $1 AND state = 'PENDING' AND inquiry_id IS NULL AND posted_at = $2`;
  await sql.query(`UPDATE eligibility_checks SET state = result->>'status' WHERE ${mine} AND result IS NOT NULL`, [
    cacheKey,
    claimedAt.toISOString(),
  ]);
  await sql.query(`DELETE FROM eligibility_checks WHERE ${mine}`, [cacheKey, claimedAt.toISOString()]);
}
