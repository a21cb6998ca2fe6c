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
import { checkBackoff, DEFAULT_BACKOFF, retryDelayMs } from './backoff';
import {
  cancelJob,
  claimById,
  claimDue,
  countJobs,
  finishDone,
  finishFailed,
  finishRequeue,
  getJob,
  insertJob,
  listJobs,
  pruneJobs,
  releaseExpired,
  renewLease,
} from './job-store';
import { compileCron, fireDue, listSchedules, registerSchedule, type LocalSchedule } from './schedules';
import type {
  BackoffOptions,
  EnqueueOptions,
  EnqueueResult,
  JobHandler,
  JobKinds,
  JobLogger,
  JobOutcome,
  JobQueue,
  JobRecord,
  TickSummary,
} from './types';

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

const DEFAULTS = {
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

const KEY_MAX = 255;

/** How one run ended, for `run(id)`; `error` is what the handler threw, if it threw. */
type RunOutcome = { result: 'done' | 'retried' | 'deferred' | 'failed' | 'lost'; error?: unknown };

interface Definition {
  kind: string;
  handler: JobHandler<unknown>;
  maxAttempts: number;
  backoff: BackoffOptions;
  concurrency: number;
  leaseMs: number;
  heartbeatMs: number;
  timeoutMs: number;
}

/** Thrown into a handler's signal (and recorded) when it ran past its kind's `timeoutMs`. */
export class JobTimeoutError extends Error {
  override readonly name = 'JobTimeoutError';
}

/** The signal's reason when another instance may own the job now. Nothing the run returns is kept. */
export class JobLeaseLostError extends Error {
  override readonly name = 'JobLeaseLostError';
}

const silentLogger: JobLogger = { info() {}, warn() {}, error() {} };

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * The text stored for a failed attempt: the error's code and message, never its stack (paths, and
 * whatever a library put there), with URL passwords and bearer tokens blanked. Handlers must still
 * keep patient data and card numbers out of their error messages.
 */
export function errorText(error: unknown): string {
  let text: string;
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    text = `${typeof code === 'string' && code.length > 0 ? `${code}: ` : ''}${error.message || error.name}`;
  } else {
    text = typeof error === 'string' ? error : `a non-Error value was thrown: ${JSON.stringify(error) ?? String(error)}`;
  }
  return text
    .replace(/([a-z][a-z0-9+.-]*:\/\/[^:/@\s]*):[^@/\s]*@/gi, '$1:***@')
    .replace(/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/gi, '$1 [redacted]');
}

function describeValue(value: unknown): string {
  if (value === undefined) return 'undefined';
  try {
    return JSON.stringify(value)?.slice(0, 200) ?? String(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}

/** A valid outcome, or a sentence saying what was expected and what arrived. */
function checkOutcome(kind: string, outcome: unknown): { ok: JobOutcome } | { problem: string } {
  if (outcome === 'done') return { ok: outcome };
  if (outcome && typeof outcome === 'object') {
    if ('fail' in outcome) {
      const reason = (outcome as { fail: unknown }).fail;
      if (typeof reason === 'string' && reason.length > 0) return { ok: { fail: reason } };
      return { problem: `the ${kind} handler returned { fail: ${describeValue(reason)} }; expected a non-empty reason` };
    }
    if ('retryAt' in outcome) {
      const { retryAt, spendAttempt, reason } = outcome as { retryAt: unknown; spendAttempt?: unknown; reason?: unknown };
      if (!(retryAt instanceof Date) || Number.isNaN(retryAt.getTime())) {
        return { problem: `the ${kind} handler returned { retryAt: ${describeValue(retryAt)} }; expected a valid Date` };
      }
      if (spendAttempt !== undefined && typeof spendAttempt !== 'boolean') {
        return { problem: `the ${kind} handler returned spendAttempt ${describeValue(spendAttempt)}; expected true or false` };
      }
      if (reason !== undefined && typeof reason !== 'string') {
        return { problem: `the ${kind} handler returned reason ${describeValue(reason)}; expected a string` };
      }
      return {
        ok: { retryAt, ...(spendAttempt === undefined ? {} : { spendAttempt }), ...(reason === undefined ? {} : { reason }) },
      };
    }
  }
  return {
    problem: `the ${kind} handler returned ${describeValue(outcome)}; expected 'done', { retryAt: Date, spendAttempt?, reason? } or { fail: string }`,
  };
}

function positiveInt(value: unknown, what: string, fallback: number, min = 1): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
    throw new TypeError(`${what} must be an integer of at least ${min}, got ${describeValue(value)}`);
  }
  return value;
}

function key(value: unknown, what: string): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string' || value.length === 0 || value.length > KEY_MAX) {
    throw new TypeError(`${what} must be a string of 1 to ${KEY_MAX} characters, got ${describeValue(value)}`);
  }
  return value;
}

function emptySummary(): TickSummary {
  return { ran: 0, done: 0, retried: 0, deferred: 0, failed: 0, lost: 0, expired: 0, scheduled: 0 };
}

/** Build a queue over `options.sql` (its tables made by `migrateJobs`). Nothing runs until `start()` or `tick()`. */
export function createJobQueue<K extends JobKinds = JobKinds>(options: JobQueueOptions): JobQueue<K> {
  const { sql } = options;
  const now = options.now ?? (() => new Date());
  const random = options.random ?? Math.random;
  const log = options.logger ?? silentLogger;
  const leaseMs = positiveInt(options.leaseMs, 'leaseMs', DEFAULTS.leaseMs);
  const heartbeatMs = options.heartbeatMs === undefined ? undefined : positiveInt(options.heartbeatMs, 'heartbeatMs', 0, 0);
  const pollIntervalMs = positiveInt(options.pollIntervalMs, 'pollIntervalMs', DEFAULTS.pollIntervalMs);
  const retentionMs = positiveInt(options.retentionMs, 'retentionMs', DEFAULTS.retentionMs);
  const instanceId = options.instanceId ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;

  const definitions = new Map<string, Definition>();
  const schedules = new Map<string, LocalSchedule>();
  const runningPerKind = new Map<string, number>();
  const runs = new Set<Promise<void>>();
  /** The runs of this instance by job id, so `run(id)` can wait for one already under way. */
  const runningById = new Map<string, Promise<RunOutcome | undefined>>();
  /** Aborted when `stop()` gives up waiting: every running handler's signal follows it. */
  const shutdown = new AbortController();
  let passChain: Promise<unknown> = Promise.resolve();
  let timer: NodeJS.Timeout | null = null;
  let started = false;
  let stopped = false;
  let nudgeQueued = false;
  let lastPrune = -Infinity;

  const later = (from: Date, ms: number) => new Date(from.getTime() + ms);

  function definition(kind: string): Definition {
    const def = definitions.get(kind);
    if (!def) {
      const known = [...definitions.keys()];
      throw new TypeError(
        `no job kind ${JSON.stringify(kind)} is defined on this queue; defined: ${known.length ? known.join(', ') : 'none'}`,
      );
    }
    return def;
  }

  /** Passes never overlap (handlers do): a pass's claims must see the previous pass's running counts. */
  function serially<T>(work: () => Promise<T>): Promise<T> {
    const run = passChain.then(work);
    passChain = run.catch(() => undefined);
    return run;
  }

  /** Release expired leases, fire due schedules, prune now and then. */
  async function housekeeping(at: Date, summary: TickSummary): Promise<void> {
    const released = await releaseExpired(sql, at, DEFAULTS.releaseBatch);
    for (const job of released) {
      summary.expired++;
      log.warn('job lease ran out; released', { jobId: job.id, kind: job.kind, state: job.state, attempts: job.attempts });
    }
    for (const schedule of schedules.values()) {
      const result = await fireDue(sql, schedule, at);
      if (result === 'enqueued') summary.scheduled++;
      if (result === 'enqueued' || result === 'coalesced') log.info(`schedule tick ${result}`, { schedule: schedule.name });
    }
    if (at.getTime() - lastPrune >= DEFAULTS.pruneEveryMs) {
      lastPrune = at.getTime();
      const pruned = await pruneJobs(sql, new Date(at.getTime() - retentionMs), DEFAULTS.pruneBatch);
      if (pruned > 0) log.info('pruned finished jobs', { pruned });
    }
  }

  /** Claim due jobs for every kind with free slots and start them. */
  async function claimAndStart(at: Date, summary: TickSummary, background: boolean): Promise<Promise<void>[]> {
    const launched: Promise<void>[] = [];
    for (const def of definitions.values()) {
      const free = def.concurrency - (runningPerKind.get(def.kind) ?? 0);
      if (free <= 0) continue;
      const jobs = await claimDue(sql, def.kind, free, { now: at, leaseUntil: later(at, def.leaseMs), workerId: instanceId });
      for (const job of jobs) launched.push(startRun(def, job, summary, background));
    }
    return launched;
  }

  function startRun(def: Definition, job: JobRecord, summary: TickSummary, background: boolean): Promise<void> {
    return track(def, job, summary, background).then(() => undefined);
  }

  function track(def: Definition, job: JobRecord, summary: TickSummary, background: boolean): Promise<RunOutcome | undefined> {
    runningPerKind.set(def.kind, (runningPerKind.get(def.kind) ?? 0) + 1);
    summary.ran++;
    const outcome = execute(def, job, summary)
      .catch((error): undefined => {
        // The answer could not be written (database gone): the lease runs out and the job is retried.
        log.error('job outcome could not be stored; it will run again after its lease', {
          jobId: job.id,
          kind: job.kind,
          error: message(error),
        });
        return undefined;
      })
      .finally(() => {
        runningPerKind.set(def.kind, (runningPerKind.get(def.kind) ?? 1) - 1);
        runs.delete(run);
        runningById.delete(job.id);
        if (background) nudge();
      });
    const run = outcome.then(() => undefined);
    runs.add(run);
    runningById.set(job.id, outcome);
    return outcome;
  }

  async function execute(def: Definition, job: JobRecord, summary: TickSummary): Promise<RunOutcome> {
    // `control` ends the run from our side (timeout, lost lease): we stop waiting for the handler.
    // `shutdown` only tells the handler; its answer is still stored if it comes.
    const control = new AbortController();
    const signal = AbortSignal.any([control.signal, shutdown.signal]);
    let lost = false;
    const heartbeat =
      def.heartbeatMs > 0
        ? setInterval(() => {
            renewLease(sql, job, later(now(), def.leaseMs)).then(
              (owned) => {
                if (owned || control.signal.aborted) return;
                lost = true;
                control.abort(new JobLeaseLostError(`job ${job.id} (${job.kind}) lost its lease; another worker may run it`));
              },
              (error) => log.warn('job lease renewal failed; will try again', { jobId: job.id, error: message(error) }),
            );
          }, def.heartbeatMs)
        : null;
    heartbeat?.unref?.();
    const timeout = setTimeout(
      () => control.abort(new JobTimeoutError(`the ${job.kind} handler ran longer than ${def.timeoutMs} ms`)),
      def.timeoutMs,
    );
    timeout.unref?.();
    const ended = new Promise<never>((_, reject) => {
      control.signal.addEventListener('abort', () => reject(control.signal.reason), { once: true });
    });
    ended.catch(() => undefined);

    let outcome: unknown;
    let thrown: unknown;
    let threw = false;
    try {
      outcome = await Promise.race([
        def.handler({
          job,
          signal,
          defer: (until, reason) => ({ retryAt: until, spendAttempt: false, ...(reason === undefined ? {} : { reason }) }),
        }),
        ended,
      ]);
    } catch (error) {
      thrown = error;
      threw = true;
    } finally {
      if (heartbeat) clearInterval(heartbeat);
      clearTimeout(timeout);
    }
    if (lost) {
      summary.lost++;
      log.warn('job result discarded: the lease was lost while it ran', { jobId: job.id, kind: job.kind });
      return { result: 'lost', ...(threw ? { error: thrown } : {}) };
    }

    const at = now();
    const checked: { ok: JobOutcome } | { problem: string } = threw ? { problem: errorText(thrown) } : checkOutcome(job.kind, outcome);
    let owned: boolean;
    let result: 'done' | 'retried' | 'deferred' | 'failed';
    if ('problem' in checked) {
      const text = checked.problem;
      if (job.attempts >= job.maxAttempts) {
        owned = await finishFailed(sql, job, { now: at, reason: text });
        result = 'failed';
      } else {
        const wait = retryDelayMs(def.backoff, job.attempts, random);
        owned = await finishRequeue(sql, job, { now: at, runAt: later(at, wait), refundAttempt: false, note: text });
        result = 'retried';
      }
      if (owned) {
        log.warn(`job attempt failed; ${result === 'failed' ? 'no attempt left' : 'will retry'}`, {
          jobId: job.id,
          kind: job.kind,
          attempt: job.attempts,
          maxAttempts: job.maxAttempts,
          error: text,
        });
      }
    } else if (checked.ok === 'done') {
      owned = await finishDone(sql, job, at);
      result = 'done';
    } else if ('fail' in checked.ok) {
      owned = await finishFailed(sql, job, { now: at, reason: checked.ok.fail });
      result = 'failed';
    } else {
      const { retryAt, spendAttempt = true, reason } = checked.ok;
      if (spendAttempt && job.attempts >= job.maxAttempts) {
        const why = `asked to retry at ${retryAt.toISOString()} after the last attempt (${job.attempts} of ${job.maxAttempts})`;
        owned = await finishFailed(sql, job, { now: at, reason: reason ? `${reason} (${why})` : why });
        result = 'failed';
      } else {
        owned = await finishRequeue(sql, job, { now: at, runAt: retryAt, refundAttempt: !spendAttempt, note: reason ?? null });
        result = spendAttempt ? 'retried' : 'deferred';
      }
    }
    if (!owned) {
      summary.lost++;
      log.warn('job result discarded: another worker took the job over (lease ran out)', { jobId: job.id, kind: job.kind });
      return { result: 'lost', ...(threw ? { error: thrown } : {}) };
    }
    summary[result]++;
    return { result, ...(threw ? { error: thrown } : {}) };
  }

  /** One background pass soon, when a slot freed up or a job was enqueued (no waiting for the timer). */
  function nudge(): void {
    if (!started || stopped || nudgeQueued) return;
    nudgeQueued = true;
    setImmediate(() => {
      nudgeQueued = false;
      if (!started || stopped) return;
      serially(() => claimAndStart(now(), emptySummary(), true)).catch((error) =>
        log.error('job pass failed', { error: message(error) }),
      );
    });
  }

  function loop(): void {
    if (!started || stopped) return;
    timer = setTimeout(() => {
      timer = null;
      serially(async () => {
        const at = now();
        const summary = emptySummary();
        await housekeeping(at, summary);
        await claimAndStart(at, summary, true);
      })
        .catch((error) => log.error('job pass failed; the next one retries', { error: message(error) }))
        .finally(loop);
    }, pollIntervalMs);
    timer.unref?.();
  }

  const queue: JobQueue<K> = {
    instanceId,

    define(kind, handler, defineOptions = {}) {
      if (typeof kind !== 'string' || kind.length === 0 || kind.length > 100) {
        throw new TypeError(`a job kind must be a string of 1 to 100 characters, got ${describeValue(kind)}`);
      }
      if (definitions.has(kind)) throw new TypeError(`job kind ${JSON.stringify(kind)} is already defined`);
      if (typeof handler !== 'function') throw new TypeError(`the ${kind} handler must be a function, got ${describeValue(handler)}`);
      const where = `define(${JSON.stringify(kind)})`;
      const kindLease = positiveInt(defineOptions.leaseMs, `${where}: leaseMs`, leaseMs);
      definitions.set(kind, {
        kind,
        handler: handler as JobHandler<unknown>,
        maxAttempts: positiveInt(defineOptions.maxAttempts, `${where}: maxAttempts`, DEFAULTS.maxAttempts),
        backoff: checkBackoff(defineOptions.backoff ?? DEFAULT_BACKOFF, where),
        concurrency: positiveInt(defineOptions.concurrency, `${where}: concurrency`, DEFAULTS.concurrency),
        leaseMs: kindLease,
        heartbeatMs: heartbeatMs ?? Math.max(1, Math.floor(kindLease / 3)),
        timeoutMs: positiveInt(defineOptions.timeoutMs, `${where}: timeoutMs`, DEFAULTS.timeoutMs),
      });
    },

    async enqueue(kind, payload, enqueueOptions: EnqueueOptions = {}): Promise<EnqueueResult<K[typeof kind]>> {
      const def = definition(kind);
      let payloadJson: string | undefined;
      try {
        payloadJson = JSON.stringify(payload);
      } catch (error) {
        throw new TypeError(`enqueue(${JSON.stringify(kind)}): the payload must be JSON, but serializing it failed: ${message(error)}`);
      }
      if (payloadJson === undefined) {
        throw new TypeError(`enqueue(${JSON.stringify(kind)}): the payload must be JSON, got ${describeValue(payload)}`);
      }
      const bytes = Buffer.byteLength(payloadJson);
      if (bytes > DEFAULTS.maxPayloadBytes) {
        throw new TypeError(
          `enqueue(${JSON.stringify(kind)}): the payload is ${bytes} bytes of JSON; at most ${DEFAULTS.maxPayloadBytes} ` +
            '(store ids in a job, not documents)',
        );
      }
      const at = now();
      const runAt = enqueueOptions.runAt ?? at;
      if (!(runAt instanceof Date) || Number.isNaN(runAt.getTime())) {
        throw new TypeError(`enqueue(${JSON.stringify(kind)}): runAt must be a valid Date, got ${describeValue(runAt)}`);
      }
      const { row, created } = await insertJob(enqueueOptions.tx ?? sql, {
        kind,
        payloadJson,
        singletonKey: key(enqueueOptions.singletonKey, 'singletonKey'),
        idempotencyKey: key(enqueueOptions.idempotencyKey, 'idempotencyKey'),
        runAt,
        maxAttempts: positiveInt(enqueueOptions.maxAttempts, 'maxAttempts', def.maxAttempts),
        now: at,
      });
      // Inside a caller's transaction the row is not visible to a pass until it commits: the
      // timer finds it then.
      if (created && !enqueueOptions.tx && runAt.getTime() <= at.getTime()) nudge();
      return { job: row as JobRecord<K[typeof kind]>, created };
    },

    async schedule(name, scheduleOptions) {
      if (typeof name !== 'string' || name.length === 0 || name.length > 200) {
        throw new TypeError(`a schedule name must be a string of 1 to 200 characters, got ${describeValue(name)}`);
      }
      const def = definition(scheduleOptions.kind);
      const timezone = scheduleOptions.timezone ?? 'UTC';
      const payload = (scheduleOptions.payload ?? {}) as Record<string, unknown>;
      if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
        throw new TypeError(`schedule ${JSON.stringify(name)}: payload must be an object, got ${describeValue(payload)}`);
      }
      const local: LocalSchedule = {
        name,
        kind: def.kind,
        cron: compileCron(scheduleOptions.cron, timezone, name),
        pattern: scheduleOptions.cron,
        timezone,
        payload,
        maxAttempts: def.maxAttempts,
      };
      const record = await registerSchedule(sql, local, now());
      schedules.set(name, local);
      return record;
    },

    async start() {
      if (stopped) throw new Error('the job queue is stopped; create a new one');
      if (started) return;
      started = true;
      loop();
      nudge();
    },

    async stop(stopOptions = {}) {
      stopped = true;
      started = false;
      if (timer) clearTimeout(timer);
      timer = null;
      await passChain;
      if (runs.size === 0) return;
      const graceMs = positiveInt(stopOptions.graceMs, 'graceMs', DEFAULTS.graceMs, 0);
      let graceTimer: NodeJS.Timeout | undefined;
      const graceOver = new Promise<'timeout'>((resolve) => {
        graceTimer = setTimeout(() => resolve('timeout'), graceMs);
      });
      const settled = await Promise.race([Promise.allSettled([...runs]).then(() => 'settled' as const), graceOver]);
      clearTimeout(graceTimer);
      if (settled === 'timeout' && runs.size > 0) {
        log.warn('job queue stopped with handlers still running; their leases will run out', { running: runs.size });
        shutdown.abort(new Error('the job queue is stopping'));
      }
    },

    async tick(tickOptions = {}) {
      if (stopped) throw new Error('the job queue is stopped');
      const maxPasses = positiveInt(tickOptions.maxPasses, 'maxPasses', DEFAULTS.maxPasses);
      const summary = emptySummary();
      for (let pass = 0; pass < maxPasses; pass++) {
        const launched = await serially(async () => {
          const at = now();
          if (pass === 0) await housekeeping(at, summary);
          return claimAndStart(at, summary, false);
        });
        await Promise.all(launched);
        if (launched.length === 0) break;
      }
      return summary;
    },

    async run(id) {
      if (stopped) throw new Error('the job queue is stopped');
      const mine = runningById.get(id);
      if (mine) return (await mine) ?? null;
      const claimed = await serially(async () => {
        const job = await getJob(sql, id);
        if (!job || job.state !== 'queued') return null;
        const def = definition(job.kind);
        const at = now();
        const got = await claimById(sql, id, { now: at, leaseUntil: later(at, def.leaseMs), workerId: instanceId });
        return got ? { def, job: got } : null;
      });
      if (!claimed) {
        const running = runningById.get(id);
        return running ? ((await running) ?? null) : null;
      }
      return (await track(claimed.def, claimed.job, emptySummary(), false)) ?? null;
    },

    get: (id) => getJob(sql, id),
    list: (filter = {}) => listJobs(sql, filter),
    counts: () => countJobs(sql),
    cancel: (id) => cancelJob(sql, id, now()),
    schedules: () => listSchedules(sql, schedules),
    prune: (cutoff) => pruneJobs(sql, cutoff, Number.MAX_SAFE_INTEGER),
  };
  return queue;
}
