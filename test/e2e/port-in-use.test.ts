/**
 * A port that is taken is one line on stderr and exit 1, never a stack trace: `npm start` in sandbox
 * mode (PORT) and with a config file (server.port), and `npm run sandbox`'s two simulators. The real
 * entry points run as child processes in a scratch directory, against a port this test holds.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startHttpServer, type HttpServerDeps } from '../../src/server/http-server';
import { ListenError, listen, toListenError } from '../../src/server/listen';

const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
const root = fileURLToPath(new URL('../..', import.meta.url));

let held: Server;
let port: number;
let dir: string;

beforeAll(async () => {
  held = createServer();
  port = (await listen(held, 0, '127.0.0.1')).port;
  dir = await mkdtemp(join(tmpdir(), 'lg-port-'));
});

afterAll(async () => {
  await new Promise((done) => held?.close(done));
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** Runs `node --import tsx <entry> …args` in the scratch directory; its exit code and output. */
function run(entry: string, args: string[], env: Record<string, string>) {
  const inherited = { ...process.env };
  for (const name of ['PORT', 'LEDGER_GATEWAY_CONFIG', 'NEXHEALTH_SANDBOX_PORT', 'ATHENAHEALTH_SANDBOX_PORT'])
    delete inherited[name];
  const child = spawn(process.execPath, ['--import', tsx, join(root, entry), ...args], {
    cwd: dir,
    env: { ...inherited, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((done) =>
    child.once('close', (code) => done({ code, stdout, stderr })),
  );
}

describe('npm start on a taken port', () => {
  it('sandbox mode: one line naming the port and PORT, exit 1, before any store is opened', async () => {
    const result = await run('src/main.ts', [], { PORT: String(port) });
    expect(result).toEqual({
      code: 1,
      stdout: '',
      stderr: `ledger-gateway: port ${port} on 127.0.0.1 is already in use (set PORT to use another port)\n`,
    });
    expect(existsSync(join(dir, '.data'))).toBe(false);
  }, 60_000);

  it('with a config file: one line naming the port and server.port in that file, exit 1', async () => {
    const configPath = join(dir, 'gateway.json');
    await writeFile(
      configPath,
      JSON.stringify({
        server: { port, host: '127.0.0.1' },
        store: { url: 'pglite://./.data/ledger' },
        apiKeys: [{ name: 'test', key: 'port-test-key-0000000000000001', practices: ['*'] }],
        practices: [
          {
            id: 'p',
            name: 'P',
            system: 'nexhealth',
            connection: { baseUrl: 'http://127.0.0.1:9', apiKey: 'k', subdomain: 's', locationId: '1' },
          },
        ],
      }),
    );
    const result = await run('src/main.ts', ['--config', configPath], {});
    expect(result).toEqual({
      code: 1,
      stdout: '',
      stderr: `ledger-gateway: port ${port} on 127.0.0.1 is already in use (set server.port in ${configPath})\n`,
    });
    expect(existsSync(join(dir, '.data'))).toBe(false);
  }, 60_000);
});

describe('npm run sandbox on a taken port', () => {
  it('NexHealth simulator: one line naming NEXHEALTH_SANDBOX_PORT, exit 1', async () => {
    const result = await run('src/sandbox/main.ts', [], { NEXHEALTH_SANDBOX_PORT: String(port), ATHENAHEALTH_SANDBOX_PORT: '0' });
    expect(result).toEqual({
      code: 1,
      stdout: '',
      stderr: `ledger-gateway sandbox: port ${port} on 127.0.0.1 is already in use (set NEXHEALTH_SANDBOX_PORT to use another port)\n`,
    });
  }, 60_000);

  it('athenahealth simulator: one line naming ATHENAHEALTH_SANDBOX_PORT, exit 1', async () => {
    const result = await run('src/sandbox/main.ts', [], { NEXHEALTH_SANDBOX_PORT: '0', ATHENAHEALTH_SANDBOX_PORT: String(port) });
    expect(result).toEqual({
      code: 1,
      stdout: '',
      stderr: `ledger-gateway sandbox: port ${port} on 127.0.0.1 is already in use (set ATHENAHEALTH_SANDBOX_PORT to use another port)\n`,
    });
  }, 60_000);
});

describe('startHttpServer on a taken port', () => {
  it('rejects with the ListenError alone: the websocket server, attached only once listening, reports nothing', async () => {
    const consoleError = vi.spyOn(console, 'error');
    // Nothing but the port is reached before listening succeeds, so no dependency is needed.
    const error = await startHttpServer({} as HttpServerDeps, port, '127.0.0.1').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ListenError);
    expect((error as ListenError).code).toBe('EADDRINUSE');
    expect(consoleError).not.toHaveBeenCalled();
    consoleError.mockRestore();
  });
});

describe('listen errors', () => {
  it('a taken port rejects with a ListenError carrying the code, port and host', async () => {
    const error = await listen(createServer(), port, '127.0.0.1').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ListenError);
    expect(error).toMatchObject({
      code: 'EADDRINUSE',
      port,
      host: '127.0.0.1',
      message: `port ${port} on 127.0.0.1 is already in use`,
    });
  });

  it('words the other failures an operator can fix, and passes anything else through', () => {
    const errno = (code: string) => Object.assign(new Error(code), { code });
    expect((toListenError(errno('EACCES'), 80, '0.0.0.0') as Error).message).toBe(
      'no permission to listen on port 80 on 0.0.0.0 (ports below 1024 need privileges)',
    );
    expect((toListenError(errno('EADDRNOTAVAIL'), 4000, '10.9.9.9') as Error).message).toBe(
      'cannot listen on port 4000 on 10.9.9.9: 10.9.9.9 is not an address of this machine',
    );
    const other = errno('EMFILE');
    expect(toListenError(other, 4000, '127.0.0.1')).toBe(other);
  });
});
