/**
 * kill -9 for real: a child process claims a job and is SIGKILLed with its handler in flight; a new
 * queue on the same store picks the job up once the lease has run out. On PGlite the "new instance"
 * is the restarted process reopening the same directory (one process at a time); on PostgreSQL it is
 * any other instance. The survivor's clock is set past the lease instead of waiting for it.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { migrateJobs } from '../../src/jobs/migrations';
import { createJobQueue } from '../../src/jobs/queue';
import { createPgClient } from '../../src/transactions/pg-client';
import { createPgliteClient } from '../../src/transactions/pglite-client';
import type { SqlClient } from '../../src/transactions/sql-client';
import { postgresUrl } from './harness';

const CHILD = fileURLToPath(new URL('./fixtures/claim-and-hang.ts', import.meta.url));
const LEASE_MS = 60_000;

/** Start the child, wait for its claim, SIGKILL it; resolves with the claimed job's id. */
async function claimThenKill(url: string): Promise<string> {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, url, String(LEASE_MS)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const exited = new Promise<NodeJS.Signals | number | null>((resolve) =>
    child.on('exit', (code, signal) => resolve(signal ?? code)),
  );
  const id = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /CLAIMED (\d+)/.exec(out);
      if (match) resolve(match[1]!);
    });
    void exited.then((how) => reject(new Error(`the child exited (${String(how)}) before claiming: ${err}`)));
  });
  child.kill('SIGKILL');
  expect(await exited).toBe('SIGKILL');
  return id;
}

async function survivorRuns(sql: SqlClient, id: string): Promise<void> {
  await migrateJobs(sql);
  const afterLease = () => new Date(Date.now() + LEASE_MS + 1_000);
  const queue = createJobQueue<{ post: { transactionId: string } }>({ sql, now: afterLease, instanceId: 'survivor' });
  const seen: string[] = [];
  queue.define('post', async ({ job }) => {
    seen.push(`${job.payload.transactionId} attempt ${job.attempts}`);
    return 'done';
  });
  const before = await queue.get(id);
  expect(before).toMatchObject({ state: 'active', attempts: 1 });
  expect(before!.lockedBy).toMatch(/^doomed-\d+$/);
  // a second enqueue while the dead run still holds it: the singleton key returns the same job
  expect((await queue.enqueue('post', { transactionId: 'LG:1000' }, { singletonKey: 'LG:1000' })).job.id).toBe(id);
  expect(await queue.tick()).toMatchObject({ expired: 1, ran: 1, done: 1 });
  expect(seen).toEqual(['LG:1000 attempt 2']);
  const after = await queue.get(id);
  expect(after).toMatchObject({ state: 'done', attempts: 2, runs: 2 });
  expect(after!.lastError).toMatch(/^the lease of doomed-\d+ ran out at .* during attempt 1 of 5/);
}

describe('a job survives kill -9 of the process running it', () => {
  it('on PGlite on disk (the process restarts on the same directory)', { timeout: 180_000 }, async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ledger-jobs-kill9-'));
    try {
      const id = await claimThenKill(`pglite://${dir}`);
      const sql = await createPgliteClient(new PGlite(dir));
      try {
        await survivorRuns(sql, id);
      } finally {
        await sql.close();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('on PostgreSQL (another instance takes over)', { timeout: 120_000 }, async () => {
    const schema = `jobs_kill9_${process.pid}_${Date.now()}`;
    const admin = new pg.Client({ connectionString: postgresUrl });
    await admin.connect();
    await admin.query(`CREATE SCHEMA ${schema}`);
    try {
      const url = new URL(postgresUrl);
      url.searchParams.set('options', `-c search_path=${schema}`);
      const id = await claimThenKill(url.toString());
      const sql = createPgClient(url.toString());
      try {
        await survivorRuns(sql, id);
      } finally {
        await sql.close();
      }
    } finally {
      await admin.query(`DROP SCHEMA ${schema} CASCADE`);
      await admin.end();
    }
  });
});
