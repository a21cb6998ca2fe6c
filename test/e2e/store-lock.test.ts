/**
 * One process per embedded store, with real processes: `node --import tsx src/main.ts --config FILE`
 * (what `npm start` runs) on a `pglite://` path in a scratch directory, against a NexHealth sandbox
 * this test runs. A second gateway on the same path is refused with one line naming the first; after
 * the first is killed with SIGKILL (its lock file left behind), the next one starts and reads what the
 * first wrote. Also: the store's files are private (0600, folders 0700) once a gateway has written.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NEX_SEED, startNexhealthSandbox, type NexhealthSandbox } from '../../src/sandbox/nexhealth';
import { nexhealthSandboxPractices } from '../../src/sandbox/nexhealth/mode';
import { storeLockPath } from '../../src/transactions/store-lock';
import { PAY, TRANSACTION } from './documents';

const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
const root = fileURLToPath(new URL('../..', import.meta.url));
const KEY = 'store-lock-test-key-000000000000001';
const SMILE = 'smile-dental';

let nex: NexhealthSandbox;
let dir: string;
let storeDir: string;
const children: ChildProcess[] = [];

/** A gateway process: its output so far, and promises for "listening" (its URL) and its exit. */
interface Gateway {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  listening: Promise<string>;
  /** Resolves once stdout holds `text` (e.g. a log message). */
  logged(text: string): Promise<void>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

async function writeConfig(name: string, port: number, store = storeDir, logLevel = 'warn'): Promise<string> {
  const path = join(dir, name);
  await writeFile(
    path,
    JSON.stringify({
      server: { port, host: '127.0.0.1' },
      store: { url: `pglite://${store}` },
      transactionIdPrefix: 'LG',
      logLevel,
      apiKeys: [{ name: 'test', key: KEY, practices: ['*'] }],
      practices: nexhealthSandboxPractices(nex).filter((p) => p.id === SMILE),
    }),
  );
  return path;
}

function startProcess(configPath: string): Gateway {
  const env = { ...process.env };
  for (const name of ['PORT', 'LEDGER_GATEWAY_CONFIG']) delete env[name];
  const child = spawn(process.execPath, ['--import', tsx, join(root, 'src/main.ts'), '--config', configPath], {
    cwd: dir,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let stdout = '';
  let stderr = '';
  const waiters: Array<{ text: string; done: () => void }> = [];
  child.stdout!.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    for (const waiter of waiters) if (stdout.includes(waiter.text)) waiter.done();
  });
  const logged = (text: string) =>
    new Promise<void>((done) => {
      if (stdout.includes(text)) done();
      else waiters.push({ text, done });
    });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) =>
    child.once('exit', (code, signal) => done({ code, signal })),
  );
  const listening = new Promise<string>((done, fail) => {
    child.stdout!.on('data', () => {
      const url = /listening on (http:\/\/\S+)/.exec(stdout)?.[1];
      if (url) done(url);
    });
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    void exited.then(({ code }) => fail(new Error(`gateway exited (${code}) before listening: ${stderr}`)));
  });
  listening.catch(() => undefined);
  return { child, stdout: () => stdout, stderr: () => stderr, listening, logged, exited };
}

async function gql(url: string, query: string, variables: Record<string, unknown>) {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${KEY}` },
    body: JSON.stringify({ query, variables }),
  });
  return (await response.json()) as { data?: any; errors?: Array<{ message: string }> };
}

/** A port free right now (the child listens on it next). */
async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as { port: number };
  await new Promise((done) => server.close(done));
  return port;
}

/** Every path under `path` (itself included) whose mode lets group or others read, write or enter. */
async function groupOrOtherAccessible(path: string): Promise<string[]> {
  const found: string[] = [];
  const info = await stat(path);
  if ((info.mode & 0o077) !== 0) found.push(`${path} ${(info.mode & 0o777).toString(8)}`);
  if (info.isDirectory()) {
    for (const entry of await readdir(path)) found.push(...(await groupOrOtherAccessible(join(path, entry))));
  }
  return found;
}

beforeAll(async () => {
  nex = await startNexhealthSandbox({ port: 0, rateLimits: false, insertion: 'manual' });
  dir = await mkdtemp(join(tmpdir(), 'lg-lock-'));
  storeDir = join(dir, 'data', 'ledger');
});

afterAll(async () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await nex?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('one gateway process per pglite:// store', () => {
  it('refuses a second process with one line naming the first; a SIGKILLed holder does not block the next start', async () => {
    const port = await freePort();
    const firstConfig = await writeConfig('first.json', port);
    const first = startProcess(firstConfig);
    const url = await first.listening;

    const paid = await gql(url, PAY, {
      input: {
        practiceId: SMILE,
        patientId: NEX_SEED.ownGuarantor.ownId,
        amount: '12.34',
        paymentTypeId: NEX_SEED.paymentTypes.openDental.cash,
        idempotencyKey: 'lock-test-1',
      },
    });
    expect(paid.errors).toBeUndefined();
    const written = paid.data.createPaymentTransaction.transaction;
    expect(written.status).toBe('SUBMITTED');

    // A second `npm start` on another port, same store: one line, exit 1, nothing listening.
    const second = startProcess(await writeConfig('second.json', 0));
    const refused = await Promise.race([second.exited, second.listening.then((listeningAt) => ({ listeningAt }))]);
    expect(refused).toMatchObject({ code: 1 });
    expect(second.stdout()).toBe('');
    expect(second.stderr()).toMatch(
      new RegExp(
        `^ledger-gateway: the embedded store ${storeDir.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} is in use by another ` +
          `ledger-gateway \\(pid ${first.child.pid}, started \\S+, port ${port}\\): stop that process, or give this ` +
          'one another store.url\\n$',
      ),
    );
    // The first one is unharmed by the attempt.
    expect(
      (await gql(url, TRANSACTION, { practiceId: SMILE, transactionId: written.transactionId })).data.transaction,
    ).toMatchObject({ transactionId: written.transactionId, status: 'SUBMITTED' });

    // kill -9: no handler runs, the lock file stays behind with a dead pid.
    first.child.kill('SIGKILL');
    expect((await first.exited).signal).toBe('SIGKILL');
    await expect(stat(storeLockPath(storeDir))).resolves.toBeTruthy();

    const third = startProcess(firstConfig);
    const restartedUrl = await third.listening;
    const readBack = await gql(restartedUrl, TRANSACTION, { practiceId: SMILE, transactionId: written.transactionId });
    expect(readBack.errors).toBeUndefined();
    expect(readBack.data.transaction).toMatchObject({
      transactionId: written.transactionId,
      status: 'SUBMITTED',
      amount: written.amount,
    });
    third.child.kill('SIGTERM');
    expect((await third.exited).code).toBe(0);
    // A clean stop releases the lock.
    await expect(stat(storeLockPath(storeDir))).rejects.toMatchObject({ code: 'ENOENT' });
  }, 120_000);

  it('keeps the store private: after a webhook registration and a transaction, nothing is open to group or others', async () => {
    nex.resetRequestLog();
    const privateDir = join(dir, 'private', 'ledger');
    const gateway = startProcess(await writeConfig('modes.json', 0, privateDir, 'info'));
    const url = await gateway.listening;
    // The practice's webhook endpoint is registered (its secret stored) before this log line.
    await gateway.logged('practice connected');
    const paid = await gql(url, PAY, {
      input: {
        practiceId: SMILE,
        patientId: NEX_SEED.ownGuarantor.ownId,
        amount: '1.00',
        paymentTypeId: NEX_SEED.paymentTypes.openDental.cash,
        idempotencyKey: 'modes-test-1',
      },
    });
    expect(paid.errors).toBeUndefined();
    expect(nex.requests.some((r) => r.method === 'POST' && r.path === '/webhook_endpoints')).toBe(true);

    expect(await groupOrOtherAccessible(join(dir, 'private'))).toEqual([]);
    gateway.child.kill('SIGTERM');
    expect((await gateway.exited).code).toBe(0);
  }, 120_000);
});
