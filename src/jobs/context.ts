/**
 * The state one queue's parts share: its settings, the kinds and schedules defined on this instance,
 * the runs under way, and the background loop's flags. `createJobQueue` builds one per queue and
 * passes it to every part (`definitions.ts`, `enqueue.ts`, `worker.ts`, `run-job.ts`, …).
 */
import type { SqlClient } from '../transactions/sql-client';
import type { LocalSchedule } from './schedules';
import type { BackoffOptions, JobHandler, JobLogger, TickSummary } from './types';

export const DEFAULTS = {
  leaseMs: 60_000,
  pollIntervalMs: 1_000,
  retentionMs: 7 * 24 * 3_600_000,
  maxAttempts: 5,
  concurrency: 4,
  timeoutMs: 10 * 60_000,
  graceMs: 10_000,
  maxPasses: 100,
  pruneEveryMs: 3_600_000,
  /** Expired leases released per pass. */
  releaseBatch: 100,
  pruneBatch: 1_000,
  /** Payloads are read back by `list()`: keep them small (ids, not documents). */
  maxPayloadBytes: 64 * 1024,
};

/** How one run ended, for `run(id)`; `error` is what the handler threw, if it threw. */
export type RunOutcome = { result: 'done' | 'retried' | 'deferred' | 'failed' | 'lost'; error?: unknown };

/** A kind as `define` validated it, with every default filled in. */
export interface Definition {
  kind: string;
  handler: JobHandler<unknown>;
  maxAttempts: number;
  backoff: BackoffOptions;
  concurrency: number;
  leaseMs: number;
  heartbeatMs: number;
  timeoutMs: number;
}

export interface QueueContext {
  readonly sql: SqlClient;
  readonly now: () => Date;
  readonly random: () => number;
  readonly log: JobLogger;
  readonly instanceId: string;
  /** The queue-wide lease; a kind may override it. */
  readonly leaseMs: number;
  /** The queue-wide heartbeat if one was given; else each kind renews every third of its lease. */
  readonly heartbeatMs: number | undefined;
  readonly pollIntervalMs: number;
  readonly retentionMs: number;

  readonly definitions: Map<string, Definition>;
  readonly schedules: Map<string, LocalSchedule>;
  readonly runningPerKind: Map<string, number>;
  readonly runs: Set<Promise<void>>;
  /** The runs of this instance by job id, so `run(id)` can wait for one already under way. */
  readonly runningById: Map<string, Promise<RunOutcome | undefined>>;
  /** Aborted when `stop()` gives up waiting: every running handler's signal follows it. */
  readonly shutdown: AbortController;

  /** The tail of the pass chain: passes never overlap (see `serially`). */
  passChain: Promise<unknown>;
  timer: NodeJS.Timeout | null;
  started: boolean;
  stopped: boolean;
  nudgeQueued: boolean;
  lastPrune: number;
}

export const silentLogger: JobLogger = { info() {}, warn() {}, error() {} };

export const later = (from: Date, ms: number): Date => new Date(from.getTime() + ms);

export function emptySummary(): TickSummary {
  return { ran: 0, done: 0, retried: 0, deferred: 0, failed: 0, lost: 0, expired: 0, scheduled: 0 };
}
