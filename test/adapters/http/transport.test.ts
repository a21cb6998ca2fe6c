/**
 * The HTTP transport every adapter sends through: the answer as text, its total timeout (also for a
 * request still queued for a socket) and its network failures, against a local server on port 0.
 */
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { HttpTransport, TransportError } from '../../../src/adapters/http';

type Handler = (req: IncomingMessage, body: string, res: ServerResponse) => void;

const servers: Server[] = [];
const transports: HttpTransport[] = [];

async function serve(handler: Handler): Promise<string> {
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => {
      body += chunk;
    });
    req.on('end', () => handler(req, body, res));
  });
  servers.push(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function transport(baseUrl: string, connections = 4): HttpTransport {
  const http = new HttpTransport({ baseUrl, connections });
  transports.push(http);
  return http;
}

afterEach(async () => {
  await Promise.all(transports.splice(0).map((t) => t.close()));
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    server.close();
  }
});

describe('HttpTransport', () => {
  it('answers the status, the headers and the whole body as text, sending the path under the base path and a JSON body', async () => {
    const seen: Array<{ url?: string; method?: string; type?: string; accept?: string; body: string }> = [];
    const url = await serve((req, body, res) => {
      seen.push({ url: req.url, method: req.method, type: req.headers['content-type'], accept: req.headers.accept, body });
      res.writeHead(201, { 'content-type': 'application/json', 'retry-after': '7' });
      // Three chunks and a byte order mark, which is not part of the text (as undici's body.text()).
      res.write('\uFEFF{"a":');
      res.write('"é…');
      res.end('"}');
    });
    const res = await transport(`${url}/api/`).send({ method: 'POST', path: '/x?y=1', json: { n: 1 }, timeoutMs: 5_000 });
    expect(res.status).toBe(201);
    expect(res.text).toBe('{"a":"é…"}');
    expect(res.header('Retry-After')).toBe('7');
    expect(res.headers['content-type']).toBe('application/json');
    expect(seen).toEqual([
      { url: '/api/x?y=1', method: 'POST', type: 'application/json', accept: 'application/json', body: '{"n":1}' },
    ]);
  });

  it('times out an answer that does not finish within timeoutMs (headers sent, body never ended)', async () => {
    const url = await serve((_req, _body, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"partial":');
    });
    const failure = await transport(url)
      .send({ method: 'GET', path: '/slow', timeoutMs: 50 })
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(TransportError);
    expect(failure).toMatchObject({ kind: 'timeout', message: 'timed out after 50 ms' });
  });

  it('times out a request still queued behind a busy socket, and the pool serves the next one once the socket is free', async () => {
    const held: ServerResponse[] = [];
    const paths: string[] = [];
    const url = await serve((req, _body, res) => {
      paths.push(req.url ?? '');
      if (req.url === '/hold') held.push(res);
      else res.end('{"ok":true}');
    });
    const http = transport(url, 1);
    const first = http.send({ method: 'GET', path: '/hold', timeoutMs: 10_000 });
    const queued = await http.send({ method: 'GET', path: '/queued', timeoutMs: 50 }).catch((error: unknown) => error);
    expect(queued).toMatchObject({ kind: 'timeout' });
    held[0]!.end('{"held":true}');
    expect((await first).text).toBe('{"held":true}');
    expect((await http.send({ method: 'GET', path: '/next', timeoutMs: 5_000 })).text).toBe('{"ok":true}');
    // The timed-out request never reached the server.
    expect(paths).toEqual(['/hold', '/next']);
  });

  it('fails with a network error when nothing listens, and once closed', async () => {
    const url = await serve((_req, _body, res) => res.end());
    const server = servers.pop()!;
    server.close();
    await once(server, 'close');
    const refused = await transport(url)
      .send({ method: 'GET', path: '/', timeoutMs: 5_000 })
      .catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(TransportError);
    expect(refused).toMatchObject({ kind: 'network' });
    expect((refused as Error).message).toMatch(/^network error \(/);

    const closed = transport(url);
    await closed.close();
    const afterClose = await closed.send({ method: 'GET', path: '/', timeoutMs: 5_000 }).catch((error: unknown) => error);
    expect(afterClose).toMatchObject({ kind: 'network', message: 'the HTTP pool is closed' });
  });
});
