/**
 * The SQL of the job queue, one statement per function, PostgreSQL dialect, for PGlite and `pg` alike
 * (through `SqlExecutor`). Every time is a parameter from the caller's clock, never `now()`: the
 * queue is deterministic under an injected clock, and every instance judges "due" and "expired" by
 * the same rule.
 *
 * Ownership of a running job is the pair (id, runs): `claimDue` increments `runs` under the row
 * lock, and every later write of that run (`renewLease`, `finish…`) says `WHERE id = $1 AND
 * runs = $2 AND state = 'active'`. A worker whose lease was taken over therefore writes nothing (a
 * fencing token), whatever its handler returns.
 *
 *     const [job] = await claimDue(sql, 'ledger.poll', 1, { now, leaseUntil, workerId: 'a' });
 *     await finishDone(sql, job, now); // false if the lease was lost meanwhile
 */
import { fromJson, toIso, toIsoOrNull, toSafeInteger } from '../transactions/row-values';
import type { SqlExecutor } from '../transactions/sql-client';
import type { JobCounts, JobListFilter, JobRecord, JobState } from './types';
import { JOB_STATES } from './types';

type Row = Record<string, unknown>;

/** The longest error text stored; longer ones are cut (with an ellipsis). */
export const MAX_ERROR_LENGTH = 2_000;

export function jobFrom<P = unknown>(raw: Row): JobRecord<P> {
  return {
    id: String(toSafeInteger(raw.id, 'jobs.id')),
    kind: String(raw.kind),
    state: raw.state as JobState,
    payload: fromJson<P>(raw.payload),
    singletonKey: (raw.singleton_key as string | null) ?? null,
    idempotencyKey: (raw.idempotency_key as string | null) ?? null,
    runAt: toIso(raw.run_at),
    attempts: toSafeInteger(raw.attempts, 'jobs.attempts'),
    maxAttempts: toSafeInteger(raw.max_attempts, 'jobs.max_attempts'),
    runs: toSafeInteger(raw.runs, 'jobs.runs'),
    lastError: (raw.last_error as string | null) ?? null,
    lockedBy: (raw.locked_by as string | null) ?? null,
    lockedUntil: toIsoOrNull(raw.locked_until),
    createdAt: toIso(raw.created_at),
    updatedAt: toIso(raw.updated_at),
    finishedAt: toIsoOrNull(raw.finished_at),
  };
}

function clip(text: string): string {
  return text.length <= MAX_ERROR_LENGTH ? text : `${text.slice(0, MAX_ERROR_LENGTH - 1)}…`;
}

export interface NewJob {
  kind: string;
  /** Already serialized JSON. */
  payloadJson: string;
  singletonKey: string | null;
  idempotencyKey: string | null;
  runAt: Date;
  maxAttempts: number;
  now: Date;
}

/**
 * Insert a queued job, or find the one a singleton or idempotency key points at. A conflicting job
 * can finish between the INSERT and the SELECT (then neither finds anything): try again a few times.
 */
export async function insertJob(sql: SqlExecutor, job: NewJob): Promise<{ row: JobRecord; created: boolean }> {
  for (let round = 0; round < 5; round++) {
    const inserted = await sql.query<Row>(
      `INSERT INTO jobs (kind, state, payload, singleton_key, idempotency_key, run_at, max_attempts,
                         created_at, updated_at)
       VALUES ($1, 'queued', $2::jsonb, $3, $4, $5::timestamptz, $6, $7::timestamptz, $7::timestamptz)
       ON CONFLICT DO NOTHING
       RETURNING *`,
      [
        job.kind,
        job.payloadJson,
        job.singletonKey,
        job.idempotencyKey,
        job.runAt.toISOString(),
        job.maxAttempts,
        job.now.toISOString(),
      ],
    );
    if (inserted.rows[0]) return { row: jobFrom(inserted.rows[0]), created: true };
    // The idempotency key wins over the singleton key: it names this exact piece of work.
    const existing = await sql.query<Row>(
      `SELECT * FROM jobs
        WHERE kind = $1
          AND ((idempotency_key IS NOT NULL AND idempotency_key = $2)
            OR (singleton_key IS NOT NULL AND singleton_key = $3 AND state IN ('queued', 'active')))
        ORDER BY (idempotency_key IS NOT DISTINCT FROM $2) DESC, id DESC
        LIMIT 1`,
      [job.kind, job.idempotencyKey, job.singletonKey],
    );
    if (existing.rows[0]) return { row: jobFrom(existing.rows[0]), created: false };
  }
  throw new Error(
    `enqueue of a ${job.kind} job kept conflicting with a job that vanished before it could be read ` +
      `(singletonKey ${JSON.stringify(job.singletonKey)}, idempotencyKey ${JSON.stringify(job.idempotencyKey)})`,
  );
}

export interface ClaimParams {
  now: Date;
  leaseUntil: Date;
  workerId: string;
}

/**
 * The kinds with at least one queued job due at `now`: a pass claims only those. One read of the
 * `jobs_due` index in place of a claim per defined kind (two dozen) every pass, which an idle
 * gateway made every second on every instance.
 */
export async function dueKinds(sql: SqlExecutor, now: Date): Promise<Set<string>> {
  const { rows } = await sql.query<{ kind: string }>(
    `SELECT DISTINCT kind FROM jobs WHERE state = 'queued' AND run_at <= $1::timestamptz`,
    [now.toISOString()],
  );
  return new Set(rows.map((row) => row.kind));
}

/**
 * Claim up to `limit` due queued jobs of `kind` for this worker: `active`, a lease, one more attempt
 * and one more run, committed before any handler runs. `SKIP LOCKED` lets several instances claim at
 * once without waiting on each other or taking the same row. Oldest `run_at` first.
 */
export async function claimDue(sql: SqlExecutor, kind: string, limit: number, params: ClaimParams): Promise<JobRecord[]> {
  const { rows } = await sql.query<Row>(
    `WITH next AS (
       SELECT id FROM jobs
        WHERE kind = $1 AND state = 'queued' AND run_at <= $2::timestamptz
        ORDER BY run_at, id
        LIMIT $3
        FOR UPDATE SKIP LOCKED
     )
     UPDATE jobs j
        SET state = 'active', attempts = j.attempts + 1, runs = j.runs + 1,
            locked_by = $4, locked_until = $5::timestamptz, updated_at = $2::timestamptz
       FROM next
      WHERE j.id = next.id
     RETURNING j.*`,
    [kind, params.now.toISOString(), limit, params.workerId, params.leaseUntil.toISOString()],
  );
  return rows.map((raw) => jobFrom(raw)).sort((a, b) => a.runAt.localeCompare(b.runAt) || Number(a.id) - Number(b.id));
}

/**
 * Claim one queued job by id for this worker, whether or not its `runAt` has come (a caller that
 * just enqueued it runs it inline: the write path's first submit). `null` when it is not queued
 * (another worker has it, it is final, or unknown). Same effects as `claimDue`.
 */
export async function claimById(sql: SqlExecutor, id: string, params: ClaimParams): Promise<JobRecord | null> {
  if (!/^[0-9]{1,18}$/.test(id)) return null;
  const { rows } = await sql.query<Row>(
    `UPDATE jobs
        SET state = 'active', attempts = attempts + 1, runs = runs + 1,
            locked_by = $3, locked_until = $4::timestamptz, updated_at = $2::timestamptz
      WHERE id = $1 AND state = 'queued'
     RETURNING *`,
    [id, params.now.toISOString(), params.workerId, params.leaseUntil.toISOString()],
  );
  return rows[0] ? jobFrom(rows[0]) : null;
}

/**
 * Release active jobs whose lease ran out before `now` (their worker died, was killed or hung without
 * renewing): back to `queued` for right away, or `failed` when that run was the last attempt. The
 * lease itself was the wait, so a job that kills its worker every time is not retried in a tight
 * loop, and its attempts run out.
 */
export async function releaseExpired(sql: SqlExecutor, now: Date, limit: number): Promise<JobRecord[]> {
  const { rows } = await sql.query<Row>(
    `WITH lost AS (
       SELECT id FROM jobs
        WHERE state = 'active' AND locked_until <= $1::timestamptz
        ORDER BY locked_until, id
        LIMIT $2
        FOR UPDATE SKIP LOCKED
     )
     UPDATE jobs j
        SET state = CASE WHEN j.attempts >= j.max_attempts THEN 'failed' ELSE 'queued' END,
            finished_at = CASE WHEN j.attempts >= j.max_attempts THEN $1::timestamptz END,
            run_at = $1::timestamptz, locked_by = NULL, locked_until = NULL, updated_at = $1::timestamptz,
            last_error = 'the lease of ' || COALESCE(j.locked_by, 'a worker') || ' ran out at ' ||
                         to_char(j.locked_until AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') ||
                         ' during attempt ' || j.attempts || ' of ' || j.max_attempts ||
                         ' (the worker crashed, was killed or hung)'
       FROM lost
      WHERE j.id = lost.id
     RETURNING j.*`,
    [now.toISOString(), limit],
  );
  return rows.map((raw) => jobFrom(raw));
}

/** Extend the lease of a run; `false` when the run no longer owns the job. */
export async function renewLease(sql: SqlExecutor, job: Pick<JobRecord, 'id' | 'runs'>, leaseUntil: Date): Promise<boolean> {
  const { rowCount } = await sql.query(
    `UPDATE jobs SET locked_until = $3::timestamptz WHERE id = $1 AND runs = $2 AND state = 'active'`,
    [job.id, job.runs, leaseUntil.toISOString()],
  );
  return rowCount > 0;
}

/** The run finished the job. `false`: the run no longer owned it (nothing written). */
export async function finishDone(sql: SqlExecutor, job: Pick<JobRecord, 'id' | 'runs'>, now: Date): Promise<boolean> {
  const { rowCount } = await sql.query(
    `UPDATE jobs SET state = 'done', locked_by = NULL, locked_until = NULL,
            finished_at = $3::timestamptz, updated_at = $3::timestamptz
      WHERE id = $1 AND runs = $2 AND state = 'active'`,
    [job.id, job.runs, now.toISOString()],
  );
  return rowCount > 0;
}

/**
 * Queue the job again for `runAt`. `refundAttempt` gives the run's attempt back (a deferral).
 * `note` becomes `last_error` (`null` keeps the previous one).
 */
export async function finishRequeue(
  sql: SqlExecutor,
  job: Pick<JobRecord, 'id' | 'runs'>,
  fields: { now: Date; runAt: Date; refundAttempt: boolean; note: string | null },
): Promise<boolean> {
  const { rowCount } = await sql.query(
    `UPDATE jobs SET state = 'queued', run_at = $3::timestamptz, attempts = attempts - $4::int,
            last_error = COALESCE($5, last_error), locked_by = NULL, locked_until = NULL,
            updated_at = $6::timestamptz
      WHERE id = $1 AND runs = $2 AND state = 'active'`,
    [
      job.id,
      job.runs,
      fields.runAt.toISOString(),
      fields.refundAttempt ? 1 : 0,
      fields.note === null ? null : clip(fields.note),
      fields.now.toISOString(),
    ],
  );
  return rowCount > 0;
}

/** The job failed for good with `reason`. */
export async function finishFailed(
  sql: SqlExecutor,
  job: Pick<JobRecord, 'id' | 'runs'>,
  fields: { now: Date; reason: string },
): Promise<boolean> {
  const { rowCount } = await sql.query(
    `UPDATE jobs SET state = 'failed', last_error = $3, locked_by = NULL, locked_until = NULL,
            finished_at = $4::timestamptz, updated_at = $4::timestamptz
      WHERE id = $1 AND runs = $2 AND state = 'active'`,
    [job.id, job.runs, clip(fields.reason), fields.now.toISOString()],
  );
  return rowCount > 0;
}

/** A job by id; `null` when unknown (or not an id). */
export async function getJob(sql: SqlExecutor, id: string): Promise<JobRecord | null> {
  if (!/^[0-9]{1,18}$/.test(id)) return null;
  const { rows } = await sql.query<Row>('SELECT * FROM jobs WHERE id = $1', [id]);
  return rows[0] ? jobFrom(rows[0]) : null;
}

/** Jobs matching `filter`, newest first. */
export async function listJobs(sql: SqlExecutor, filter: JobListFilter): Promise<JobRecord[]> {
  const states = filter.state === undefined ? null : typeof filter.state === 'string' ? [filter.state] : [...filter.state];
  for (const state of states ?? []) {
    if (!JOB_STATES.includes(state)) {
      throw new TypeError(`list: state must be one of ${JOB_STATES.join(', ')}, got ${JSON.stringify(state)}`);
    }
  }
  if (filter.before !== undefined && !/^[0-9]{1,18}$/.test(filter.before)) {
    throw new TypeError(`list: before must be a job id (digits), got ${JSON.stringify(filter.before)}`);
  }
  const limit = Math.max(1, Math.min(Math.trunc(filter.limit ?? 50), 1000));
  const { rows } = await sql.query<Row>(
    `SELECT * FROM jobs
      WHERE ($1::text IS NULL OR kind = $1::text)
        AND ($2::text IS NULL OR state = ANY (string_to_array($2::text, ',')))
        AND ($3::text IS NULL OR singleton_key = $3::text)
        AND ($4::bigint IS NULL OR id < $4::bigint)
        AND ($6::jsonb IS NULL OR payload @> $6::jsonb)
      ORDER BY id DESC
      LIMIT $5`,
    [
      filter.kind ?? null,
      states ? states.join(',') : null,
      filter.singletonKey ?? null,
      filter.before ?? null,
      limit,
      filter.payloadContains === undefined ? null : JSON.stringify(filter.payloadContains),
    ],
  );
  return rows.map((raw) => jobFrom(raw));
}

export async function countJobs(sql: SqlExecutor): Promise<JobCounts> {
  const { rows } = await sql.query<{ kind: string; state: JobState; n: unknown }>(
    'SELECT kind, state, count(*) AS n FROM jobs GROUP BY kind, state',
  );
  const counts: JobCounts = {};
  for (const row of rows) {
    let perState = counts[row.kind];
    if (!perState) {
      perState = { queued: 0, active: 0, done: 0, failed: 0, cancelled: 0 };
      counts[row.kind] = perState;
    }
    perState[row.state] = toSafeInteger(row.n, 'count');
  }
  return counts;
}

export async function cancelJob(sql: SqlExecutor, id: string, now: Date): Promise<JobRecord | null> {
  if (!/^[0-9]{1,18}$/.test(id)) return null;
  const { rows } = await sql.query<Row>(
    `UPDATE jobs SET state = 'cancelled', finished_at = $2::timestamptz, updated_at = $2::timestamptz
      WHERE id = $1 AND state = 'queued' RETURNING *`,
    [id, now.toISOString()],
  );
  return rows[0] ? jobFrom(rows[0]) : null;
}

/** Delete up to `limit` final jobs finished before `cutoff`. */
export async function pruneJobs(sql: SqlExecutor, cutoff: Date, limit: number): Promise<number> {
  const { rowCount } = await sql.query(
    `DELETE FROM jobs WHERE id IN (
       SELECT id FROM jobs WHERE finished_at < $1::timestamptz ORDER BY finished_at LIMIT $2)`,
    [cutoff.toISOString(), limit],
  );
  return rowCount;
}
