/**
 * The types of the durable job queue: what a job is, what a handler may answer, and the options of
 * `define`, `enqueue`, `schedule` and `list`. The model is described in `src/jobs/README.md`.
 *
 *     type Kinds = {
 *       'ledger.poll': { transactionId: string };
 *       'billing.cycle': { practiceId: string; tickAt: string };
 *     };
 *     const queue: JobQueue<Kinds> = createJobQueue<Kinds>({ sql });
 *     queue.define('ledger.poll', async ({ job, signal }) => {
 *       const found = await adapter.findTransaction('PAYMENT', job.payload.transactionId, …, { signal });
 *       return found ? 'done' : { retryAt: new Date(Date.now() + 30_000), spendAttempt: false };
 *     });
 */
import type { SqlExecutor } from '../transactions/sql-client';

/**
 * Where a job is in its life:
 * - `queued`: waiting for `runAt` (a first run, a retry, or a deferral);
 * - `active`: claimed by one worker, whose lease runs until `lockedUntil`;
 * - `done`, `failed`, `cancelled`: final; kept until pruned.
 */
export type JobState = 'queued' | 'active' | 'done' | 'failed' | 'cancelled';

export const JOB_STATES: readonly JobState[] = ['queued', 'active', 'done', 'failed', 'cancelled'];

/** A stored job, as the visibility API and handlers see it. Times are ISO 8601 strings (UTC). */
export interface JobRecord<P = unknown> {
  /** The row id (a BIGINT, as a string: GraphQL's `ID`). */
  id: string;
  kind: string;
  state: JobState;
  payload: P;
  /** At most one `queued` or `active` job per (kind, singletonKey). */
  singletonKey: string | null;
  /** At most one job ever (until pruned) per (kind, idempotencyKey). */
  idempotencyKey: string | null;
  /** When the job may run next (first run, retry or deferral). */
  runAt: string;
  /** Attempts spent so far, the running one included. A deferral gives its attempt back. */
  attempts: number;
  maxAttempts: number;
  /** How many times a worker claimed the job (deferrals and lost leases included). */
  runs: number;
  /** The error of the last failed attempt, or the reason of the last deferral. Never a stack. */
  lastError: string | null;
  /** The worker (`instanceId`) holding the lease, while `active`. */
  lockedBy: string | null;
  /** When the lease runs out, while `active`; another instance may take the job after that. */
  lockedUntil: string | null;
  createdAt: string;
  updatedAt: string;
  /** When it became `done`, `failed` or `cancelled`. */
  finishedAt: string | null;
}

/**
 * What a handler answers:
 * - `'done'`: finished;
 * - `{ retryAt }`: run again at `retryAt`. With `spendAttempt: false` (a deferral: "not now", e.g. an
 *   open circuit breaker) the attempt is given back, so waiting never exhausts `maxAttempts`. With the
 *   default `spendAttempt: true` it is a retry, and `failed` if no attempt is left;
 * - `{ fail }`: give up now, whatever attempts are left (`fail` is the reason stored).
 *
 * A handler that throws is retried after the kind's backoff until `maxAttempts`, then `failed` with
 * the error's message.
 */
export type JobOutcome = 'done' | { retryAt: Date; spendAttempt?: boolean; reason?: string } | { fail: string };

/** What a handler is given. */
export interface JobContext<P> {
  job: JobRecord<P>;
  /**
   * Aborted when this worker must stop working on the job: the lease was lost (another instance may
   * be running it now), the kind's `timeoutMs` passed, or the queue is stopping past its grace
   * period. Pass it to every upstream call; a result returned after it fired is discarded.
   */
  signal: AbortSignal;
  /** Shorthand for `{ retryAt: until, spendAttempt: false, reason }`. */
  defer(until: Date, reason?: string): JobOutcome;
}

export type JobHandler<P> = (context: JobContext<P>) => Promise<JobOutcome>;

/**
 * How long to wait before the next attempt after a failed one. Either an explicit list (the n-th
 * failure waits `delaysMs[n - 1]`, the last value repeats) or an exponential curve
 * `min(maxMs, baseMs * factor^(n - 1))`. `jitter` (0…1) shortens each wait by a random fraction of
 * up to `jitter`, so that jobs failing together do not all come back together.
 */
export type BackoffOptions =
  | { delaysMs: readonly number[]; jitter?: number }
  | { baseMs: number; factor?: number; maxMs: number; jitter?: number };

export interface DefineOptions {
  /** Attempts before `failed` (default 5). A deferral does not spend one. */
  maxAttempts?: number;
  /** Default `{ baseMs: 1000, factor: 2, maxMs: 300_000, jitter: 0.2 }`. */
  backoff?: BackoffOptions;
  /** Jobs of this kind running at once in this instance (default 4). */
  concurrency?: number;
  /** The lease of one run (default: the queue's `leaseMs`). Renewed while the handler runs. */
  leaseMs?: number;
  /** Abort the handler's signal and count a failed attempt after this long (default 10 min). */
  timeoutMs?: number;
}

export interface EnqueueOptions {
  /** Not before this time (default: now). */
  runAt?: Date;
  /** At most one `queued`/`active` job of this kind per key: a second enqueue returns the first. */
  singletonKey?: string;
  /**
   * At most one job of this kind per key, whatever its state, until it is pruned: an enqueue that
   * finds one returns it (`created: false`). For "exactly this piece of work, once".
   */
  idempotencyKey?: string;
  /** Overrides the kind's `maxAttempts` for this job. */
  maxAttempts?: number;
  /**
   * Run the INSERT on this executor: pass the `tx` of a `SqlClient.transaction` to make the job part
   * of that transaction (it exists if and only if the transaction commits).
   */
  tx?: SqlExecutor;
}

export interface EnqueueResult<P> {
  job: JobRecord<P>;
  /** `false` when a singleton or idempotency key matched an existing job, which is returned. */
  created: boolean;
}

export interface ScheduleOptions<P> {
  /** A cron pattern (5 fields, or 6 with seconds first), read by croner. */
  cron: string;
  /** IANA time zone the pattern is read in, e.g. `America/New_York` (default `UTC`). */
  timezone?: string;
  /** The job kind enqueued at each tick (must be defined on this queue). */
  kind: string;
  /** The job's payload; `tickAt` (the tick's ISO time) is added to it. */
  payload?: P;
}

/** A schedule as stored (the shared high-water mark of its ticks). */
export interface ScheduleRecord {
  name: string;
  kind: string;
  cron: string;
  timezone: string;
  /** The last tick a job was enqueued for (or the registration time, before the first tick). */
  lastTickAt: string;
  nextTickAt: string | null;
}

export interface JobListFilter {
  kind?: string;
  state?: JobState | readonly JobState[];
  singletonKey?: string;
  /**
   * Only jobs whose payload contains these fields with these values (JSON containment, `@>`): e.g.
   * `{ practiceId: 'smile-dental' }` for one tenant's jobs.
   */
  payloadContains?: Record<string, string | number | boolean>;
  /** Only jobs with an id below this one (the last id of the previous page). */
  before?: string;
  /** Default 50, at most 1000. */
  limit?: number;
}

/** How many jobs are in each state, per kind (for metrics and health). */
export interface JobCounts {
  [kind: string]: Record<JobState, number>;
}

/** What one `tick()` did. */
export interface TickSummary {
  /** Jobs claimed and run. */
  ran: number;
  done: number;
  /** Retries after an error or a `{ retryAt }` that spent an attempt. */
  retried: number;
  /** Deferrals (`spendAttempt: false`). */
  deferred: number;
  failed: number;
  /** Results discarded because the lease had been lost. */
  lost: number;
  /** Expired leases found and released (requeued or failed). */
  expired: number;
  /** Jobs enqueued by schedules. */
  scheduled: number;
}

export interface JobLogger {
  info(message: string, context?: Record<string, unknown>): void;
  warn(message: string, context?: Record<string, unknown>): void;
  error(message: string, context?: Record<string, unknown>): void;
}

/** A payload map: job kind → payload type. */
export type JobKinds = Record<string, unknown>;

/** The queue; see `createJobQueue`. */
export interface JobQueue<K extends JobKinds = JobKinds> {
  /** Which instance this is (`locked_by` of the jobs it runs). */
  readonly instanceId: string;
  /** Register the handler of a kind. Once per kind; before `start()`. */
  define<N extends keyof K & string>(kind: N, handler: JobHandler<K[N]>, options?: DefineOptions): void;
  /** Store a job. The kind must be defined on this queue. */
  enqueue<N extends keyof K & string>(kind: N, payload: K[N], options?: EnqueueOptions): Promise<EnqueueResult<K[N]>>;
  /**
   * Enqueue `kind` once per due tick of `cron`, whichever instance sees the tick first. Stored under
   * `name`; ticks missed while no instance ran coalesce into one job (for the latest of them).
   */
  schedule<N extends keyof K & string>(
    name: string,
    options: ScheduleOptions<Omit<K[N], 'tickAt'>> & { kind: N },
  ): Promise<ScheduleRecord>;
  /** Poll every `pollIntervalMs` and run what is due, in the background. */
  start(): Promise<void>;
  /**
   * Stop claiming; wait up to `graceMs` (default 10 s) for running handlers, then abort their
   * signals and return (their leases run out and another instance retries them).
   */
  stop(options?: { graceMs?: number }): Promise<void>;
  /**
   * Run what is due now and wait for it: release expired leases, enqueue due schedule ticks, claim
   * and run due jobs, repeated until nothing is due (at most `maxPasses`, default 100). For tests
   * with an injected clock, and for an operator's "run now".
   */
  tick(options?: { maxPasses?: number }): Promise<TickSummary>;
  /**
   * Claim the queued job `id` now, even before its `runAt`, run it here and wait for its answer: for
   * a caller that enqueued work and wants its first attempt inline (the write path's first submit).
   * `null` when the job was not queued (another worker runs it, or it is final); when this instance
   * is already running it, waits for that run instead. A thrown handler error is stored like any
   * other (retry or failed) and also returned as `error`, so the caller can surface it.
   */
  run(id: string): Promise<{ result: 'done' | 'retried' | 'deferred' | 'failed' | 'lost'; error?: unknown } | null>;
  get(id: string): Promise<JobRecord | null>;
  /** Newest first. */
  list(filter?: JobListFilter): Promise<JobRecord[]>;
  counts(): Promise<JobCounts>;
  /** Cancel a `queued` job; `null` if it is not queued (running, final, unknown). */
  cancel(id: string): Promise<JobRecord | null>;
  /** The stored schedules. */
  schedules(): Promise<ScheduleRecord[]>;
  /** Delete final jobs finished before `cutoff`; returns how many. */
  prune(cutoff: Date): Promise<number>;
}
