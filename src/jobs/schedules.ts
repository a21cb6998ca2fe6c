/**
 * Cron schedules that enqueue a job per tick, once across every instance sharing the store.
 *
 * Patterns and time zones are croner's (no parsing of ours). The shared state is one row per
 * schedule in `job_schedules` with `last_tick_at`, the newest tick a job was enqueued for. A pass
 * (`fireDue`) locks the row with `FOR UPDATE SKIP LOCKED` (an instance that finds it locked leaves
 * the tick to the one holding it), enqueues the newest due tick's job, and moves `last_tick_at` in
 * the same SQL transaction. The job also carries the idempotency key `<name>@<tick>`, so even two
 * passes that both read the old `last_tick_at` cannot make two jobs for one tick.
 *
 *     const cron = compileCron('0 2 * * *', 'America/New_York', 'billing:smile-dental');
 *     latestTickAtOrBefore(cron, new Date()); // the last 02:00 New York time
 */
import { Cron } from 'croner';
import { toIso } from '../transactions/row-values';
import type { SqlClient } from '../transactions/sql-client';
import { insertJob } from './job-store';
import type { ScheduleRecord } from './types';

/** A parsed pattern; throws a message naming the schedule, the pattern and croner's complaint. */
export function compileCron(pattern: string, timezone: string, name: string): Cron {
  let cron: Cron;
  try {
    cron = new Cron(pattern, { timezone, paused: true });
    // An unknown zone is only noticed when a date is computed: compute one now.
    cron.nextRun(new Date(0));
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    throw new TypeError(
      `schedule ${JSON.stringify(name)}: expected a cron pattern (5 fields, or 6 with seconds first) and ` +
        `an IANA time zone, got ${JSON.stringify(pattern)} in ${JSON.stringify(timezone)}: ${why}`,
    );
  }
  return cron;
}

/** The newest tick at or before `at`, or `null` if the pattern never ran before it. */
export function latestTickAtOrBefore(cron: Cron, at: Date): Date | null {
  // croner's previousRuns excludes a tick equal to the reference; ticks are whole seconds, so a
  // reference 1 ms later includes a tick exactly at `at` and nothing after it.
  return cron.previousRuns(1, new Date(at.getTime() + 1))[0] ?? null;
}

export interface LocalSchedule {
  name: string;
  kind: string;
  cron: Cron;
  pattern: string;
  timezone: string;
  payload: Record<string, unknown>;
  maxAttempts: number;
}

function scheduleFrom(raw: Record<string, unknown>, cron: Cron | null): ScheduleRecord {
  const lastTickAt = toIso(raw.last_tick_at);
  const next = cron?.nextRun(new Date(lastTickAt)) ?? null;
  return {
    name: String(raw.name),
    kind: String(raw.kind),
    cron: String(raw.cron),
    timezone: String(raw.timezone),
    lastTickAt,
    nextTickAt: next ? next.toISOString() : null,
  };
}

/**
 * Store (or update) a schedule. A new one starts counting at `now`, so its first job is for the
 * first tick after registration, not for every tick since the epoch. An existing one keeps its
 * `last_tick_at`: restarting, or changing the pattern, neither repeats nor skips a tick.
 */
export async function registerSchedule(sql: SqlClient, schedule: LocalSchedule, now: Date): Promise<ScheduleRecord> {
  const { rows } = await sql.query<Record<string, unknown>>(
    `INSERT INTO job_schedules (name, kind, cron, timezone, payload, last_tick_at, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5::jsonb, $6::timestamptz, $6::timestamptz, $6::timestamptz)
     ON CONFLICT (name) DO UPDATE
       SET kind = EXCLUDED.kind, cron = EXCLUDED.cron, timezone = EXCLUDED.timezone,
           payload = EXCLUDED.payload,
           updated_at = CASE WHEN (job_schedules.kind, job_schedules.cron, job_schedules.timezone, job_schedules.payload)
                                  IS DISTINCT FROM (EXCLUDED.kind, EXCLUDED.cron, EXCLUDED.timezone, EXCLUDED.payload)
                             THEN EXCLUDED.updated_at ELSE job_schedules.updated_at END
     RETURNING *`,
    [schedule.name, schedule.kind, schedule.pattern, schedule.timezone, JSON.stringify(schedule.payload), now.toISOString()],
  );
  return scheduleFrom(rows[0]!, schedule.cron);
}

export type FireResult = 'enqueued' | 'coalesced' | 'not-due' | 'busy' | 'unregistered';

/**
 * Enqueue the schedule's job for its newest due tick, if any tick is due since `last_tick_at`.
 * `coalesced`: the tick was due but an earlier tick's job is still queued or running (the
 * singleton key `schedule:<name>`), so no second one was made. `busy`: another instance holds the row.
 */
export async function fireDue(sql: SqlClient, schedule: LocalSchedule, now: Date): Promise<FireResult> {
  return sql.transaction(async (tx) => {
    const { rows } = await tx.query<{ last_tick_at: unknown }>(
      'SELECT last_tick_at FROM job_schedules WHERE name = $1 FOR UPDATE SKIP LOCKED',
      [schedule.name],
    );
    if (rows.length === 0) {
      const exists = await tx.query('SELECT 1 FROM job_schedules WHERE name = $1', [schedule.name]);
      return exists.rows.length === 0 ? 'unregistered' : 'busy';
    }
    const lastTick = new Date(toIso(rows[0]!.last_tick_at));
    const tick = latestTickAtOrBefore(schedule.cron, now);
    if (!tick || tick.getTime() <= lastTick.getTime()) return 'not-due';
    const tickAt = tick.toISOString();
    const { created } = await insertJob(tx, {
      kind: schedule.kind,
      payloadJson: JSON.stringify({ ...schedule.payload, tickAt }),
      singletonKey: `schedule:${schedule.name}`,
      idempotencyKey: `schedule:${schedule.name}@${tickAt}`,
      runAt: tick,
      maxAttempts: schedule.maxAttempts,
      now,
    });
    await tx.query('UPDATE job_schedules SET last_tick_at = $2::timestamptz WHERE name = $1', [schedule.name, tickAt]);
    return created ? 'enqueued' : 'coalesced';
  });
}

export async function listSchedules(sql: SqlClient, local: ReadonlyMap<string, LocalSchedule>): Promise<ScheduleRecord[]> {
  const { rows } = await sql.query<Record<string, unknown>>('SELECT * FROM job_schedules ORDER BY name');
  return rows.map((raw) => {
    const mine = local.get(String(raw.name));
    let cron: Cron | null = mine?.cron ?? null;
    if (!cron) {
      try {
        cron = new Cron(String(raw.cron), { timezone: String(raw.timezone), paused: true });
      } catch {
        cron = null; // a pattern another version stored; shown without its next tick
      }
    }
    return scheduleFrom(raw, cron);
  });
}
