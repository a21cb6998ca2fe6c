/**
 * Several instances on one database: every job runs exactly once, whichever instance claims it, and
 * the background loop (`start()`) drains a queue by itself. On PostgreSQL each instance has its own
 * `pg` pool, as separate gateway processes would; on PGlite they share the one in-process client.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { migrateJobs } from '../../src/jobs/migrations';
import { createJobQueue } from '../../src/jobs/queue';
import type { JobQueue } from '../../src/jobs/types';
import { backends, recordingLogger, type TestDatabase } from './harness';

type Kinds = { work: { n: number } };

describe.each(backends)('several queue instances on $name', (backend) => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await backend.open();
  });
  afterAll(async () => {
    await db?.close();
  });
  beforeEach(async () => {
    await db.reset();
  });

  it('runs 200 jobs exactly once across two instances claiming at the same time', async () => {
    const runsById = new Map<string, string[]>();
    const make = (sql: TestDatabase['sql'], name: string): JobQueue<Kinds> => {
      const q = createJobQueue<Kinds>({ sql, instanceId: name });
      q.define(
        'work',
        async ({ job }) => {
          runsById.set(job.id, [...(runsById.get(job.id) ?? []), name]);
          // yield, so that the two instances' claims and completions interleave
          await new Promise((resolve) => setImmediate(resolve));
          return 'done';
        },
        { concurrency: 8 },
      );
      return q;
    };
    const a = make(db.sql, 'a');
    const b = make(await db.another(), 'b');
    for (let i = 0; i < 200; i += 50) {
      await Promise.all(Array.from({ length: 50 }, (_, k) => a.enqueue('work', { n: i + k })));
    }

    // both pools connected before the race, so neither starts late
    await Promise.all([a.counts(), b.counts()]);
    const drain = async (q: JobQueue<Kinds>) => {
      while ((await q.tick({ maxPasses: 5 })).ran > 0) {
        /* keep claiming while there is work */
      }
    };
    await Promise.all([drain(a), drain(b)]);

    expect(runsById.size).toBe(200);
    const twice = [...runsById].filter(([, runs]) => runs.length !== 1);
    expect(twice).toEqual([]);
    expect(await a.counts()).toEqual({ work: { queued: 0, active: 0, done: 200, failed: 0, cancelled: 0 } });
    const byInstance = [...runsById.values()].flat().reduce<Record<string, number>>((acc, name) => {
      acc[name] = (acc[name] ?? 0) + 1;
      return acc;
    }, {});
    // both took part (each claims in batches of 8 while the other does the same)
    if (backend.name === 'postgres') expect(Object.keys(byInstance).sort()).toEqual(['a', 'b']);
  });

  it('drains the queue in the background after start(), and stops cleanly', async () => {
    const { logger, lines } = recordingLogger();
    const q = createJobQueue<Kinds>({ sql: db.sql, pollIntervalMs: 20, logger });
    const done: number[] = [];
    q.define('work', async ({ job }) => {
      done.push(job.payload.n);
      return 'done';
    });
    await q.start();
    for (let n = 0; n < 30; n++) await q.enqueue('work', { n });
    for (let i = 0; i < 1_000 && done.length < 30; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    await q.stop();
    expect(done.sort((x, y) => x - y)).toEqual(Array.from({ length: 30 }, (_, n) => n));
    expect((await q.counts()).work?.done).toBe(30);
    expect(lines.filter((line) => line.startsWith('error'))).toEqual([]);
  });

  it('migrates once when instances start together, and refuses job tables from a newer version', async () => {
    const other = await db.another();
    expect(await Promise.all([migrateJobs(db.sql), migrateJobs(other)])).toEqual([[], []]);
    await db.sql.query(`INSERT INTO job_schema_migrations (version, name) VALUES (99, 'from the future')`);
    try {
      await expect(migrateJobs(db.sql)).rejects.toThrow(
        'the job tables have schema versions 99 this gateway does not know (it knows 1); they were written by a newer version',
      );
    } finally {
      await db.sql.query('DELETE FROM job_schema_migrations WHERE version = 99');
    }
  });
});
