/**
 * `createJobQueue`: durable, leased jobs in the store's own database (PGlite or PostgreSQL), shared by
 * every gateway instance on that database. The model (states, lease, attempts, backoff, singleton,
 * defer, schedules) and why it is ours rather than pg-boss's are in `src/jobs/README.md`.
 *
 *     await migrateJobs(sql);
 *     const queue = createJobQueue<{ 'ledger.poll': { transactionId: string } }>({ sql, logger });
 *     queue.define('ledger.poll', async ({ job, signal, defer }) => {
 *       if (breaker.snapshot().state === 'open') return defer(new Date(Date.now() + 30_000), 'circuit open');
 *       const found = await lookUp(job.payload.transactionId, signal);
 *       return found ? 'done' : { retryAt: new Date(Date.now() + 60_000), spendAttempt: false };
 *     }, { maxAttempts: 10, backoff: { delaysMs: [1_000, 5_000, 15_000, 60_000, 300_000] } });
 *     await queue.enqueue('ledger.poll', { transactionId: 'LG:1042' }, { singletonKey: 'LG:1042' });
 *     await queue.start();   // background polling
 *     …
 *     await queue.stop();
 *
 * In tests, inject `now` and call `tick()`: it runs everything due at that instant and resolves when
 * the handlers have answered, with no timer involved.
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { SqlClient } from '../transactions/sql-client';
import { positiveInt } from './arguments';
import { DEFAULTS, silentLogger, type QueueContext } from './context';
import { addSchedule, defineKind } from './definitions';
import { enqueueJob } from './enqueue';
import { cancelJob, countJobs, getJob, listJobs, pruneJobs } from './job-store';
import { start, stop } from './lifecycle';
import { listSchedules } from './schedules';
import type { EnqueueOptions, EnqueueResult, JobKinds, JobLogger, JobQueue } from './types';
import { runById, tick } from './worker';

export { errorText, JobLeaseLostError, JobTimeoutError } from './errors';

export interface JobQueueOptions {
  /** The database; share the store's `SqlClient` (PGlite has one connection per directory). */
  sql: SqlClient;
  /** The clock (default `() => new Date()`). Every time written comes from it. */
  now?: () => Date;
  /** Randomness for backoff jitter, [0, 1) (default `Math.random`). */
  random?: () => number;
  /** How long a claimed job belongs to its worker before another instance may take it (default 60 s). */
  leaseMs?: number;
  /**
   * How often a running job's lease is renewed (default a third of its lease). `0` never renews:
   * only for tests that simulate a dead worker.
   */
  heartbeatMs?: number;
  /** How often the background loop looks for due work (default 1 s). */
  pollIntervalMs?: number;
  /** Final jobs are deleted this long after they finished, by the background loop (default 7 days). */
  retentionMs?: number;
  /** This worker's name in `locked_by` (default `<hostname>:<pid>:<random>`). */
  instanceId?: string;
  logger?: JobLogger;
}

/** The shared state of one queue, from its options (validated here, in this order). */
function createContext(options: JobQueueOptions): QueueContext {
  const leaseMs = positiveInt(options.leaseMs, 'leaseMs', DEFAULTS.leaseMs);
  const heartbeatMs = options.heartbeatMs === undefined ? undefined : positiveInt(options.heartbeatMs, 'heartbeatMs', 0, 0);
  const pollIntervalMs = positiveInt(options.pollIntervalMs, 'pollIntervalMs', DEFAULTS.pollIntervalMs);
  const retentionMs = positiveInt(options.retentionMs, 'retentionMs', DEFAULTS.retentionMs);
  return {
    sql: options.sql,
    now: options.now ?? (() => new Date()),
    random: options.random ?? Math.random,
    log: options.logger ?? silentLogger,
    instanceId: options.instanceId ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`,
    leaseMs,
    heartbeatMs,
    pollIntervalMs,
    retentionMs,
    definitions: new Map(),
    schedules: new Map(),
    runningPerKind: new Map(),
    runs: new Set(),
    runningById: new Map(),
    shutdown: new AbortController(),
    passChain: Promise.resolve(),
    timer: null,
    started: false,
    stopped: false,
    nudgeQueued: false,
    lastPrune: Number.NEGATIVE_INFINITY,
  };
}

/** Build a queue over `options.sql` (its tables made by `migrateJobs`). Nothing runs until `start()` or `tick()`. */
export function createJobQueue<K extends JobKinds = JobKinds>(options: JobQueueOptions): JobQueue<K> {
  const ctx = createContext(options);
  const { sql } = ctx;
  return {
    instanceId: ctx.instanceId,
    define: (kind, handler, defineOptions = {}) => defineKind(ctx, kind, handler, defineOptions),
    enqueue: (kind, payload, enqueueOptions: EnqueueOptions = {}): Promise<EnqueueResult<K[typeof kind]>> =>
      enqueueJob(ctx, kind, payload, enqueueOptions),
    schedule: (name, scheduleOptions) => addSchedule(ctx, name, scheduleOptions),
    start: () => start(ctx),
    stop: (stopOptions = {}) => stop(ctx, stopOptions),
    tick: (tickOptions = {}) => tick(ctx, tickOptions),
    run: (id) => runById(ctx, id),
    get: (id) => getJob(sql, id),
    list: (filter = {}) => listJobs(sql, filter),
    counts: () => countJobs(sql),
    cancel: (id) => cancelJob(sql, id, ctx.now()),
    schedules: () => listSchedules(sql, ctx.schedules),
    prune: (cutoff) => pruneJobs(sql, cutoff, Number.MAX_SAFE_INTEGER),
  };
}
