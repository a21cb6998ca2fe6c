/**
 * Graceful shutdown of the real process (`src/main.ts` with a config file): on SIGTERM it stops
 * accepting, lets an in-flight request finish, closes websockets with 1001 (going away), finishes
 * its store writes and exits 0.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { athenahealthSandboxPractices } from '../../src/sandbox/athenahealth/mode';
import { nexhealthSandboxPractices } from '../../src/sandbox/nexhealth/mode';
import { startAthenahealthSandbox, type AthenahealthSandbox } from '../../src/sandbox/athenahealth';
import { NEX_SEED, startNexhealthSandbox, type NexhealthSandbox } from '../../src/sandbox/nexhealth';

const KEY = 'shutdown-test-key-000000000000001';
let nex: NexhealthSandbox;
let athena: AthenahealthSandbox;
let child: ChildProcess;
let url: string;
let exit: Promise<number | null>;

beforeAll(async () => {
  nex = await startNexhealthSandbox({ port: 0, rateLimits: false, insertion: 'manual' });
  athena = await startAthenahealthSandbox({ port: 0 });
  const dir = await mkdtemp(join(tmpdir(), 'lg-shutdown-'));
  const configPath = join(dir, 'gateway.json');
  await writeFile(
    configPath,
    JSON.stringify({
      server: { port: 0 },
      store: { url: 'memory://' },
      logLevel: 'silent',
      apiKeys: [{ name: 'test', key: KEY, practices: ['*'] }],
      practices: [...nexhealthSandboxPractices(nex), ...athenahealthSandboxPractices(athena)],
    }),
  );
  child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', '--config', configPath], {
    cwd: process.cwd(),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  exit = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /listening on (http:\/\/\S+)/.exec(out);
      if (match) resolve(match[1]!);
    });
    child.once('exit', (code) => reject(new Error(`gateway exited early with ${code}`)));
  });
  for (let i = 0; i < 100; i++) {
    if ((await fetch(`${url}/readyz`)).status === 200) break;
    await new Promise((r) => setTimeout(r, 100));
  }
}, 90_000);

afterAll(async () => {
  if (child && child.exitCode === null) child.kill('SIGKILL');
  await Promise.all([nex?.close(), athena?.close()]);
});

describe('SIGTERM', () => {
  it('finishes the in-flight request, closes websockets with 1001 and exits 0', async () => {
    const ws = createClient({
      url: url.replace('http', 'ws') + '/graphql',
      webSocketImpl: WebSocket,
      connectionParams: { Authorization: `Bearer ${KEY}` },
      retryAttempts: 0,
    });
    const wsClosed = new Promise<number>((resolve) => ws.on('closed', (event) => resolve((event as { code: number }).code)));
    await new Promise<void>((resolve) => {
      ws.on('connected', () => resolve());
      ws.subscribe(
        { query: 'subscription { transactionStatusChanged(practiceId: "smile-dental") { status } }' },
        {
          next: () => undefined,
          error: () => undefined,
          complete: () => undefined,
        },
      );
    });

    // A slow upstream keeps one request in flight while the signal arrives.
    nex.faults.add({ path: '/charges', latencyMs: 1500 });
    const inFlight = fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${KEY}` },
      body: JSON.stringify({
        query: `{ patient(practiceId: "smile-dental", patientId: "${NEX_SEED.ownGuarantor.ownId}") { balance { total { cents } } } }`,
      }),
    });
    await new Promise((r) => setTimeout(r, 300));
    child.kill('SIGTERM');

    const response = await inFlight;
    expect(response.status).toBe(200);
    const body = (await response.json()) as { data: { patient: { balance: { total: { cents: number } } } } };
    expect(body.data.patient.balance.total.cents).toEqual(expect.any(Number));
    expect(await wsClosed).toBe(1001);
    expect(await exit).toBe(0);
    await expect(fetch(`${url}/healthz`)).rejects.toThrow();
    await ws.dispose();
  });
});
