/**
 * The job queue's contract, on every back end (PGlite always; PostgreSQL with
 * LEDGER_TEST_POSTGRES_URL). Time is a fake clock and work runs through `tick()`: no sleeps, no
 * wall-clock assertions.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createJobQueue, type JobQueueOptions } from '../../src/jobs/queue';
import type { JobQueue } from '../../src/jobs/types';
import type { SqlClient } from '../../src/transactions/sql-client';
import { backends, fakeClock, gate, type TestDatabase } from './harness';

type Kinds = {
  work: { n: number };
  poll: { transactionId: string };
  cycle: { practiceId: string; tickAt: string };
};

const SECOND = 1_000;

describe.each(backends)('job queue on $name', (backend) => {
  let db: TestDatabase;
  let clock: ReturnType<typeof fakeClock>;
  const queues: JobQueue<Kinds>[] = [];

  function queue(options: Partial<JobQueueOptions> = {}): JobQueue<Kinds> {
    const q = createJobQueue<Kinds>({ sql: db.sql, now: clock.now, random: () => 0, leaseMs: 30 * SECOND, ...options });
    queues.push(q);
    return q;
  }

  beforeAll(async () => {
    db = await backend.open();
  });
  afterAll(async () => {
    await db?.close();
  });
  beforeEach(async () => {
    await db.reset();
    clock = fakeClock('2030-01-01T10:00:00.000Z');
  });
  afterEach(async () => {
    for (const q of queues.splice(0)) await q.stop({ graceMs: 0 });
  });

  it('runs a due job once and records it as done', async () => {
    const q = queue();
    const seen: number[] = [];
    q.define('work', async ({ job }) => {
      seen.push(job.payload.n);
      expect(job.state).toBe('active');
      expect(job.lockedBy).toBe(q.instanceId);
      expect(job.lockedUntil).toBe('2030-01-01T10:00:30.000Z');
      return 'done';
    });
    const { job, created } = await q.enqueue('work', { n: 7 });
    expect(created).toBe(true);
    expect(job).toMatchObject({ kind: 'work', state: 'queued', payload: { n: 7 }, attempts: 0, runs: 0 });

    expect(await q.tick()).toMatchObject({ ran: 1, done: 1 });
    expect(seen).toEqual([7]);
    expect(await q.get(job.id)).toMatchObject({
      state: 'done',
      attempts: 1,
      runs: 1,
      lockedBy: null,
      lockedUntil: null,
      lastError: null,
      finishedAt: '2030-01-01T10:00:00.000Z',
    });
    expect(await q.tick()).toMatchObject({ ran: 0 });
    expect(seen).toEqual([7]);
  });

  it('does not run a job before its runAt', async () => {
    const q = queue();
    let runs = 0;
    q.define('work', async () => {
      runs++;
      return 'done';
    });
    await q.enqueue('work', { n: 1 }, { runAt: new Date('2030-01-01T10:05:00.000Z') });
    await q.tick();
    clock.advance(5 * 60 * SECOND - 1);
    await q.tick();
    expect(runs).toBe(0);
    clock.advance(1);
    await q.tick();
    expect(runs).toBe(1);
  });

  it('claims only the kinds with a job due: a pass over nothing due makes no claim', async () => {
    const statements: string[] = [];
    const sql: SqlClient = {
      dialect: db.sql.dialect,
      transaction: (fn) => db.sql.transaction(fn),
      close: () => db.sql.close(),
      query(text, params) {
        statements.push(text);
        return db.sql.query(text, params);
      },
    };
    const q = queue({ sql });
    const ran: string[] = [];
    for (const kind of ['work', 'poll', 'cycle'] as const) {
      q.define(kind, async () => {
        ran.push(kind);
        return 'done';
      });
    }
    await q.enqueue('poll', { transactionId: 't1' }, { runAt: new Date('2030-01-01T10:05:00.000Z') });
    const claims = () => statements.filter((s) => s.includes("SET state = 'active'")).length;
    statements.length = 0;
    await q.tick();
    expect(claims()).toBe(0);
    clock.advance(5 * 60 * SECOND);
    await q.tick();
    expect(ran).toEqual(['poll']);
    expect(claims()).toBe(1); // the poll kind's, not one per defined kind
  });

  it('retries a throwing handler after the listed delays (the last repeats), then fails with the error text', async () => {
    const q = queue();
    q.define(
      'work',
      async ({ job }) => {
        throw Object.assign(new Error(`upstream down (attempt ${job.attempts}) at postgres://ledger:hunter2@db/x`), {
          code: 'UPSTREAM_UNAVAILABLE',
        });
      },
      { maxAttempts: 4, backoff: { delaysMs: [1 * SECOND, 5 * SECOND] } },
    );
    const { job } = await q.enqueue('work', { n: 1 });
    const runAts: string[] = [];
    for (const wait of [0, 1 * SECOND, 5 * SECOND, 5 * SECOND]) {
      clock.advance(wait);
      const summary = await q.tick();
      expect(summary.ran).toBe(1);
      const now = await q.get(job.id);
      runAts.push(now!.runAt);
    }
    expect(runAts).toEqual([
      '2030-01-01T10:00:01.000Z',
      '2030-01-01T10:00:06.000Z',
      '2030-01-01T10:00:11.000Z',
      '2030-01-01T10:00:11.000Z', // failed: runAt stays where the last attempt ran
    ]);
    const failed = await q.get(job.id);
    expect(failed).toMatchObject({ state: 'failed', attempts: 4, maxAttempts: 4, finishedAt: '2030-01-01T10:00:11.000Z' });
    expect(failed!.lastError).toBe('UPSTREAM_UNAVAILABLE: upstream down (attempt 4) at postgres://ledger:***@db/x');
    expect(failed!.lastError).not.toContain('at async'); // no stack
    clock.advance(3_600 * SECOND);
    expect((await q.tick()).ran).toBe(0);
  });

  it('backs off exponentially with jitter when configured so', async () => {
    const q = queue({ random: () => 0.5 });
    q.define(
      'work',
      async () => {
        throw new Error('no');
      },
      { maxAttempts: 10, backoff: { baseMs: 1 * SECOND, factor: 3, maxMs: 20 * SECOND, jitter: 0.5 } },
    );
    const { job } = await q.enqueue('work', { n: 1 });
    const waits: number[] = [];
    for (let i = 0; i < 5; i++) {
      const before = clock.now().getTime();
      await q.tick();
      const runAt = Date.parse((await q.get(job.id))!.runAt);
      waits.push(runAt - before);
      clock.advance(runAt - before);
    }
    // 1, 3, 9, 27→20 (cap), 20 seconds, each shortened by jitter 0.5 × random 0.5 = 25 %
    expect(waits).toEqual([750, 2_250, 6_750, 15_000, 15_000]);
  });

  it('fails at once on { fail }, and treats a malformed answer as a failed attempt that says what was expected', async () => {
    const q = queue();
    q.define('work', async ({ job }) => (job.payload.n === 1 ? { fail: 'patient not found upstream' } : (42 as never)), {
      maxAttempts: 3,
    });
    const { job: failing } = await q.enqueue('work', { n: 1 });
    const { job: malformed } = await q.enqueue('work', { n: 2 });
    await q.tick();
    expect(await q.get(failing.id)).toMatchObject({ state: 'failed', attempts: 1, lastError: 'patient not found upstream' });
    expect(await q.get(malformed.id)).toMatchObject({
      state: 'queued',
      attempts: 1,
      lastError: "the work handler returned 42; expected 'done', { retryAt: Date, spendAttempt?, reason? } or { fail: string }",
    });
  });

  it('defers without spending an attempt (an open circuit), and retryAt with spendAttempt spends one', async () => {
    const q = queue();
    let circuitOpen = true;
    q.define(
      'work',
      async ({ defer }) => {
        if (circuitOpen) return defer(new Date(clock.now().getTime() + 30 * SECOND), 'circuit open for smile-dental');
        return 'done';
      },
      { maxAttempts: 2 },
    );
    const { job } = await q.enqueue('work', { n: 1 });
    for (let i = 0; i < 10; i++) {
      expect(await q.tick()).toMatchObject({ ran: 1, deferred: 1 });
      expect(await q.get(job.id)).toMatchObject({
        state: 'queued',
        attempts: 0,
        runs: i + 1,
        lastError: 'circuit open for smile-dental',
      });
      clock.advance(30 * SECOND);
    }
    circuitOpen = false;
    expect(await q.tick()).toMatchObject({ ran: 1, done: 1 });
    expect(await q.get(job.id)).toMatchObject({ state: 'done', attempts: 1, runs: 11 });

    // the same answer with spendAttempt (the default) runs out of attempts
    q.define('poll', async () => ({ retryAt: new Date(clock.now().getTime() + SECOND), reason: 'not landed yet' }), {
      maxAttempts: 2,
    });
    const { job: poll } = await q.enqueue('poll', { transactionId: 'LG:1' });
    await q.tick();
    clock.advance(SECOND);
    await q.tick();
    const gaveUp = await q.get(poll.id);
    expect(gaveUp).toMatchObject({ state: 'failed', attempts: 2 });
    expect(gaveUp!.lastError).toMatch(/^not landed yet \(asked to retry at .* after the last attempt \(2 of 2\)\)$/);
  });

  it('keeps at most one queued or active job per singleton key, also for racing enqueues', async () => {
    const q = queue();
    const other = queue({ sql: await db.another() });
    const release = gate();
    q.define('poll', async () => {
      await release.promise;
      return 'done';
    });
    other.define('poll', async () => 'done');
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        (i % 2 ? q : other).enqueue('poll', { transactionId: 'LG:1' }, { singletonKey: 'LG:1' }),
      ),
    );
    expect(new Set(results.map((r) => r.job.id)).size).toBe(1);
    expect(results.filter((r) => r.created)).toHaveLength(1);
    const first = results[0]!.job;

    // while it runs (active), an enqueue still returns it
    const running = q.tick();
    await waitUntil(async () => (await q.get(first.id))?.state === 'active');
    const again = await q.enqueue('poll', { transactionId: 'LG:1' }, { singletonKey: 'LG:1' });
    expect(again).toMatchObject({ created: false, job: { id: first.id, state: 'active' } });
    // another key is another job
    expect((await q.enqueue('poll', { transactionId: 'LG:2' }, { singletonKey: 'LG:2' })).created).toBe(true);
    release.open();
    await running;

    // once it is done, the key is free again
    const next = await q.enqueue('poll', { transactionId: 'LG:1' }, { singletonKey: 'LG:1' });
    expect(next.created).toBe(true);
    expect(next.job.id).not.toBe(first.id);
  });

  it('makes a job with an idempotency key once, whatever its state', async () => {
    const q = queue();
    q.define('work', async () => 'done');
    const a = await q.enqueue('work', { n: 1 }, { idempotencyKey: 'cycle-2030-01' });
    await q.tick();
    const b = await q.enqueue('work', { n: 2 }, { idempotencyKey: 'cycle-2030-01' });
    expect(b).toMatchObject({ created: false, job: { id: a.job.id, state: 'done', payload: { n: 1 } } });
  });

  it('lets another instance take over a job whose worker died, after the lease; the dead run cannot write', async () => {
    // heartbeatMs 0: a killed process renews nothing.
    const a = queue({ instanceId: 'a', heartbeatMs: 0 });
    const b = queue({ instanceId: 'b', sql: await db.another() });
    const aStarted = gate();
    const aAnswer = gate<'done'>();
    a.define('work', async () => {
      aStarted.open();
      return aAnswer.promise; // "never" returns, until the test lets it
    });
    const ranOnB: string[] = [];
    b.define('work', async ({ job }) => {
      ranOnB.push(job.lockedBy!);
      return 'done';
    });
    const { job } = await a.enqueue('work', { n: 1 });
    const aTick = a.tick();
    await aStarted.promise;
    expect(await a.get(job.id)).toMatchObject({ state: 'active', lockedBy: 'a', attempts: 1 });

    clock.advance(30 * SECOND - 1);
    expect(await b.tick()).toMatchObject({ ran: 0, expired: 0 });
    clock.advance(1);
    expect(await b.tick()).toMatchObject({ expired: 1, ran: 1, done: 1 });
    expect(ranOnB).toEqual(['b']);
    const taken = await b.get(job.id);
    expect(taken).toMatchObject({ state: 'done', attempts: 2, runs: 2 });
    expect(taken!.lastError).toBe(
      'the lease of a ran out at 2030-01-01T10:00:30.000Z during attempt 1 of 5 (the worker crashed, was killed or hung)',
    );

    // the "dead" worker comes back with an answer: discarded (the run no longer owns the job)
    aAnswer.open('done');
    expect(await aTick).toMatchObject({ ran: 1, lost: 1, done: 0 });
    expect(await a.get(job.id)).toMatchObject({ state: 'done', runs: 2 });
  });

  it('fails a job whose last attempt lost its lease', async () => {
    const a = queue({ heartbeatMs: 0 });
    const b = queue({ sql: await db.another() });
    const started = gate();
    a.define(
      'work',
      async () => {
        started.open();
        return new Promise<never>(() => {});
      },
      { maxAttempts: 1 },
    );
    b.define('work', async () => 'done', { maxAttempts: 1 });
    const { job } = await a.enqueue('work', { n: 1 });
    void a.tick();
    await started.promise;
    clock.advance(30 * SECOND);
    expect(await b.tick()).toMatchObject({ expired: 1, ran: 0 });
    expect(await b.get(job.id)).toMatchObject({ state: 'failed', attempts: 1, finishedAt: '2030-01-01T10:00:30.000Z' });
  });

  it('renews the lease of a running job, so a slow handler is not taken over', async () => {
    // heartbeat on real timers (every 5 ms); the fake clock decides what "expired" means
    const a = queue({ heartbeatMs: 5 });
    const b = queue({ sql: await db.another() });
    const started = gate();
    const finish = gate<'done'>();
    a.define('work', async () => {
      started.open();
      return finish.promise;
    });
    b.define('work', async () => 'done');
    const { job } = await a.enqueue('work', { n: 1 });
    const aTick = a.tick();
    await started.promise;
    clock.advance(29 * SECOND);
    await waitUntil(async () => (await a.get(job.id))?.lockedUntil === '2030-01-01T10:00:59.000Z');
    clock.advance(2 * SECOND); // past the first lease, not the renewed one
    expect(await b.tick()).toMatchObject({ expired: 0, ran: 0 });
    finish.open('done');
    expect(await aTick).toMatchObject({ done: 1, lost: 0 });
  });

  it('aborts a handler that runs past its timeout and counts a failed attempt', async () => {
    const q = queue();
    q.define(
      'work',
      async ({ signal }) =>
        new Promise<never>((_, reject) => signal.addEventListener('abort', () => reject(new Error('aborted by signal')))),
      { timeoutMs: 10 },
    );
    const { job } = await q.enqueue('work', { n: 1 });
    expect(await q.tick()).toMatchObject({ ran: 1, retried: 1 });
    expect(await q.get(job.id)).toMatchObject({
      state: 'queued',
      attempts: 1,
      lastError: 'the work handler ran longer than 10 ms',
    });
  });

  it('runs a cron schedule once per tick across two instances, in its time zone', async () => {
    clock.set('2030-01-01T10:02:00.000Z');
    const a = queue({ instanceId: 'a' });
    const b = queue({ instanceId: 'b', sql: await db.another() });
    const ran: string[] = [];
    for (const q of [a, b]) {
      q.define('cycle', async ({ job }) => {
        ran.push(`${job.payload.practiceId} ${job.payload.tickAt} on ${job.lockedBy}`);
        return 'done';
      });
    }
    const options = { kind: 'cycle' as const, cron: '*/5 * * * *', payload: { practiceId: 'smile-dental' } };
    const [recordA] = await Promise.all([a.schedule('cycle:smile-dental', options), b.schedule('cycle:smile-dental', options)]);
    expect(recordA).toMatchObject({ lastTickAt: '2030-01-01T10:02:00.000Z', nextTickAt: '2030-01-01T10:05:00.000Z' });

    await Promise.all([a.tick(), b.tick()]);
    expect(ran).toEqual([]);

    clock.set('2030-01-01T10:05:00.000Z');
    const summaries = await Promise.all([a.tick(), b.tick()]);
    expect(summaries.map((s) => s.scheduled).sort()).toEqual([0, 1]);
    expect(ran).toHaveLength(1);
    expect(ran[0]).toMatch(/^smile-dental 2030-01-01T10:05:00.000Z on [ab]$/);
    await Promise.all([a.tick(), b.tick()]);
    expect(ran).toHaveLength(1);

    // down from 10:06 to 10:21: the missed ticks 10:10, 10:15 and 10:20 coalesce into one job
    clock.set('2030-01-01T10:21:00.000Z');
    await b.tick();
    await a.tick();
    expect(ran).toHaveLength(2);
    expect(ran[1]).toMatch(/^smile-dental 2030-01-01T10:20:00.000Z on b$/);
    expect(await a.schedules()).toEqual([
      {
        name: 'cycle:smile-dental',
        kind: 'cycle',
        cron: '*/5 * * * *',
        timezone: 'UTC',
        lastTickAt: '2030-01-01T10:20:00.000Z',
        nextTickAt: '2030-01-01T10:25:00.000Z',
      },
    ]);

    // a time zone: 02:00 in New York is 07:00 UTC in January (a third instance, with only this schedule)
    const c = queue({ instanceId: 'c' });
    c.define('cycle', async ({ job }) => {
      ran.push(`${job.payload.practiceId} ${job.payload.tickAt} on ${job.lockedBy}`);
      return 'done';
    });
    await c.schedule('nightly', { kind: 'cycle', cron: '0 2 * * *', timezone: 'America/New_York', payload: { practiceId: 'p' } });
    clock.set('2030-01-02T06:59:59.000Z');
    await c.tick();
    expect(ran).toHaveLength(2);
    clock.set('2030-01-02T07:00:00.000Z');
    await c.tick();
    expect(ran[2]).toBe('p 2030-01-02T07:00:00.000Z on c');
  });

  it('coalesces a tick into the previous tick’s job while that one is still queued or running', async () => {
    clock.set('2030-01-01T10:00:30.000Z');
    const a = queue();
    const release = gate();
    a.define('cycle', async () => {
      await release.promise;
      return 'done';
    });
    await a.schedule('every-minute', { kind: 'cycle', cron: '* * * * *', payload: { practiceId: 'p' } });
    clock.set('2030-01-01T10:01:00.000Z');
    const running = a.tick();
    await waitUntil(async () => (await a.list({ kind: 'cycle', state: 'active' })).length === 1);
    clock.set('2030-01-01T10:02:00.000Z');
    const second = a.tick();
    // let the second tick see 10:02 while the 10:01 job still runs, then let that job finish
    await waitUntil(async () => (await a.schedules())[0]!.lastTickAt === '2030-01-01T10:02:00.000Z');
    release.open();
    await Promise.all([running, second]);
    const jobs = await a.list({ kind: 'cycle' });
    expect(jobs.map((j) => (j.payload as { tickAt: string }).tickAt)).toEqual(['2030-01-01T10:01:00.000Z']);
    expect((await a.schedules())[0]!.lastTickAt).toBe('2030-01-01T10:02:00.000Z');
  });

  it('refuses bad schedules with a message naming what was expected', async () => {
    const q = queue();
    q.define('cycle', async () => 'done');
    await expect(q.schedule('x', { kind: 'cycle', cron: '61 * * * *' })).rejects.toThrow(
      /schedule "x": expected a cron pattern .* got "61 \* \* \* \*" in "UTC"/,
    );
    await expect(q.schedule('x', { kind: 'cycle', cron: '0 2 * * *', timezone: 'Mars/Olympus' })).rejects.toThrow(
      /in "Mars\/Olympus"/,
    );
    await expect(q.schedule('x', { kind: 'nope' as 'cycle', cron: '0 2 * * *' })).rejects.toThrow(
      'no job kind "nope" is defined on this queue; defined: cycle',
    );
  });

  it('makes a job part of the caller’s SQL transaction', async () => {
    const q = queue();
    q.define('work', async () => 'done');
    await expect(
      db.sql.transaction(async (tx) => {
        await q.enqueue('work', { n: 1 }, { tx });
        throw new Error('the write failed validation');
      }),
    ).rejects.toThrow('the write failed validation');
    expect(await q.list()).toEqual([]);
    const { job } = await db.sql.transaction((tx) => q.enqueue('work', { n: 2 }, { tx }));
    expect(await q.get(job.id)).toMatchObject({ state: 'queued', payload: { n: 2 } });
  });

  it('runs one queued job by id at once, before its runAt, and stores its answer like any run', async () => {
    const q = queue();
    const seen: number[] = [];
    q.define(
      'work',
      async ({ job }) => {
        seen.push(job.payload.n);
        if (job.payload.n === 2) throw new Error('upstream unavailable');
        return 'done';
      },
      { backoff: { delaysMs: [5 * SECOND] } },
    );
    const later = await q.enqueue('work', { n: 1 }, { runAt: new Date(clock.now().getTime() + 60 * SECOND) });
    expect(await q.run(later.job.id)).toEqual({ result: 'done' });
    expect(seen).toEqual([1]);
    expect(await q.get(later.job.id)).toMatchObject({ state: 'done', attempts: 1, runs: 1 });

    // A thrown error is stored as a retry and handed back to the caller as well.
    const failing = await q.enqueue('work', { n: 2 });
    const outcome = await q.run(failing.job.id);
    expect(outcome).toMatchObject({ result: 'retried', error: expect.objectContaining({ message: 'upstream unavailable' }) });
    expect(await q.get(failing.job.id)).toMatchObject({
      state: 'queued',
      attempts: 1,
      lastError: expect.stringContaining('upstream unavailable'),
      runAt: '2030-01-01T10:00:05.000Z',
    });

    // Not queued any more (final), or unknown: nothing runs.
    expect(await q.run(later.job.id)).toBeNull();
    expect(seen).toEqual([1, 2]);
  });

  it('lists jobs by kind, state and key with attempts, errors and leases; counts; cancels', async () => {
    const q = queue({ instanceId: 'gw-1' });
    q.define('work', async ({ job }) => {
      if (job.payload.n === 2) throw new Error('boom');
      return 'done';
    });
    q.define('poll', async () => 'done');
    const ids: string[] = [];
    for (let n = 1; n <= 4; n++) ids.push((await q.enqueue('work', { n })).job.id);
    const later = await q.enqueue(
      'poll',
      { transactionId: 'LG:9' },
      { singletonKey: 'LG:9', runAt: new Date('2030-01-02T00:00:00Z') },
    );
    const cancelled = await q.enqueue('poll', { transactionId: 'LG:10' }, { runAt: new Date('2030-01-02T00:00:00Z') });
    expect(await q.cancel(cancelled.job.id)).toMatchObject({ state: 'cancelled', finishedAt: '2030-01-01T10:00:00.000Z' });
    expect(await q.cancel(cancelled.job.id)).toBeNull();
    await q.tick();

    const all = await q.list();
    expect(all.map((j) => j.id)).toEqual([cancelled.job.id, later.job.id, ...ids.slice().reverse()]);
    expect((await q.list({ kind: 'work', state: 'done' })).map((j) => j.payload)).toEqual([{ n: 4 }, { n: 3 }, { n: 1 }]);
    const retrying = await q.list({ kind: 'work', state: ['queued', 'active'] });
    expect(retrying).toHaveLength(1);
    expect(retrying[0]).toMatchObject({
      payload: { n: 2 },
      attempts: 1,
      maxAttempts: 5,
      lastError: 'boom',
      runAt: '2030-01-01T10:00:01.000Z',
    });
    expect(await q.list({ singletonKey: 'LG:9' })).toMatchObject([{ id: later.job.id, runAt: '2030-01-02T00:00:00.000Z' }]);
    const page1 = await q.list({ limit: 2 });
    const page2 = await q.list({ limit: 2, before: page1[1]!.id });
    expect([...page1, ...page2].map((j) => j.id)).toEqual(all.slice(0, 4).map((j) => j.id));

    expect(await q.counts()).toEqual({
      work: { queued: 1, active: 0, done: 3, failed: 0, cancelled: 0 },
      poll: { queued: 1, active: 0, done: 0, failed: 0, cancelled: 1 },
    });
    expect(await q.get('999999')).toBeNull();
    expect(await q.get('not-an-id')).toBeNull();
    await expect(q.list({ state: 'running' as never })).rejects.toThrow(
      'list: state must be one of queued, active, done, failed, cancelled, got "running"',
    );

    expect(await q.prune(new Date('2030-01-01T10:00:00.001Z'))).toBe(4);
    expect((await q.list()).map((j) => j.state)).toEqual(['queued', 'queued']);
  });

  it('says what it expected when given a bad kind, payload or option', async () => {
    const q = queue();
    q.define('work', async () => 'done');
    expect(() => q.define('work', async () => 'done')).toThrow('job kind "work" is already defined');
    expect(() => q.define('poll', async () => 'done', { maxAttempts: 0 })).toThrow(
      'define("poll"): maxAttempts must be an integer of at least 1, got 0',
    );
    expect(() => q.define('poll', async () => 'done', { backoff: { delaysMs: [] } })).toThrow(
      'define("poll"): backoff.delaysMs must be a non-empty list of milliseconds, got []',
    );
    await expect(q.enqueue('poll', { transactionId: 'x' })).rejects.toThrow(
      'no job kind "poll" is defined on this queue; defined: work',
    );
    await expect(q.enqueue('work', undefined as never)).rejects.toThrow(
      'enqueue("work"): the payload must be JSON, got undefined',
    );
    await expect(q.enqueue('work', { n: 1 }, { singletonKey: '' })).rejects.toThrow(
      'singletonKey must be a string of 1 to 255 characters, got ""',
    );
    await expect(q.enqueue('work', { n: 1, big: 'x'.repeat(70_000) } as never)).rejects.toThrow(/at most 65536/);
  });

  it('stops without waiting forever for a handler that ignores its signal', async () => {
    const q = queue();
    const started = gate();
    let aborted: unknown;
    q.define('work', async ({ signal }) => {
      signal.addEventListener('abort', () => (aborted = signal.reason));
      started.open();
      return new Promise<never>(() => {});
    });
    await q.enqueue('work', { n: 1 });
    void q.tick();
    await started.promise;
    await q.stop({ graceMs: 0 });
    expect(String(aborted)).toContain('the job queue is stopping');
    await expect(q.tick()).rejects.toThrow('the job queue is stopped');
  });
});

async function waitUntil(check: () => Promise<boolean>, what = 'condition'): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  throw new Error(`timed out waiting for ${what}`);
}
