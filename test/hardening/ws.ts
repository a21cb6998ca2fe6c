/** A graphql-ws client for tests: one operation, its results and errors, and how the socket closed. */
import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';

export interface WsOutcome {
  results: Array<{ data?: unknown; errors?: Array<{ message: string; extensions?: Record<string, any> }> }>;
  /** Errors from an `error` message (refused before execution), or the close event. */
  errors: Array<{ message: string; extensions?: Record<string, any> }>;
  closeCode: number | null;
}

/**
 * Subscribe once and collect until the operation completes, errors, or `waitMs` passes (a live
 * subscription is then disposed). `key: null` sends no Authorization.
 */
export async function wsOnce(
  httpUrl: string,
  key: string | null,
  query: string,
  variables: Record<string, unknown> = {},
  waitMs = 1500,
): Promise<WsOutcome> {
  const outcome: WsOutcome = { results: [], errors: [], closeCode: null };
  const client = createClient({
    url: httpUrl.replace(/^http/, 'ws') + '/graphql',
    webSocketImpl: WebSocket,
    connectionParams: key ? { Authorization: `Bearer ${key}` } : {},
    retryAttempts: 0,
    lazy: true,
    on: { closed: (event) => (outcome.closeCode = (event as { code?: number }).code ?? null) },
  });
  try {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        dispose();
        resolve();
      }, waitMs);
      const dispose = client.subscribe(
        { query, variables },
        {
          next: (value) => outcome.results.push(value as WsOutcome['results'][number]),
          error: (error) => {
            clearTimeout(timer);
            if (Array.isArray(error)) outcome.errors.push(...(error as WsOutcome['errors']));
            else if (error && typeof error === 'object' && 'code' in error) {
              outcome.closeCode = (error as { code: number }).code;
              outcome.errors.push({ message: String((error as { reason?: string }).reason ?? 'closed') });
            } else outcome.errors.push({ message: String((error as Error)?.message ?? error) });
            resolve();
          },
          complete: () => {
            clearTimeout(timer);
            resolve();
          },
        },
      );
    });
  } finally {
    await client.dispose();
  }
  return outcome;
}

/** Every error code in a ws outcome. */
export function wsCodes(outcome: WsOutcome): string[] {
  return [...outcome.errors, ...outcome.results.flatMap((r) => r.errors ?? [])].map(
    (e) => e.extensions?.code ?? `(no code: ${e.message})`,
  );
}

/** How a socket closed. */
export interface WsClose {
  code: number;
  reason: string;
}

/**
 * A plain graphql-transport-ws socket (no graphql-ws client, so a test controls every frame),
 * opened; with `key`, `connection_init` is sent and the promise waits for `connection_ack` or the
 * close. `closed` resolves when the socket closes, whoever closes it.
 */
export async function openSocket(
  httpUrl: string,
  key: string | null,
  options: { localAddress?: string; autoPong?: boolean } = {},
): Promise<{ socket: WebSocket; acked: boolean; closed: Promise<WsClose> }> {
  const socket = new WebSocket(`${httpUrl.replace(/^http/, 'ws')}/graphql`, 'graphql-transport-ws', {
    localAddress: options.localAddress,
    autoPong: options.autoPong ?? true,
  });
  const closed = new Promise<WsClose>((resolve) =>
    socket.once('close', (code, reason) => resolve({ code, reason: reason.toString('utf8') })),
  );
  socket.on('error', () => {}); // a refused or terminated socket reports through `closed`
  const opened = await Promise.race([
    new Promise<boolean>((resolve) => socket.once('open', () => resolve(true))),
    closed.then(() => false),
  ]);
  if (!opened || key === null) return { socket, acked: false, closed };
  socket.send(JSON.stringify({ type: 'connection_init', payload: { Authorization: `Bearer ${key}` } }));
  const acked = await Promise.race([
    new Promise<boolean>((resolve) =>
      socket.on('message', (data) => {
        if ((JSON.parse(String(data)) as { type?: string }).type === 'connection_ack') resolve(true);
      }),
    ),
    closed.then(() => false),
  ]);
  return { socket, acked, closed };
}

/**
 * Upgrade a raw TCP connection to a websocket and send only the header of one masked text frame
 * that announces `declaredBytes` of payload (and a few bytes of it). Resolves with the close code of
 * the first frame the server sends back, or null if the connection ends without one.
 */
export async function announceOversizedMessage(httpUrl: string, declaredBytes: number): Promise<number | null> {
  const { hostname, port } = new URL(httpUrl);
  const socket = connect(Number(port), hostname);
  socket.on('error', () => {});
  socket.write(
    [
      'GET /graphql HTTP/1.1',
      `Host: ${hostname}:${port}`,
      'Upgrade: websocket',
      'Connection: Upgrade',
      `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}`,
      'Sec-WebSocket-Version: 13',
      'Sec-WebSocket-Protocol: graphql-transport-ws',
      '',
      '',
    ].join('\r\n'),
  );
  let received = Buffer.alloc(0);
  let upgraded = false;
  return new Promise((resolve) => {
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      if (!upgraded) {
        const end = received.indexOf('\r\n\r\n');
        if (end < 0) return;
        upgraded = true;
        received = received.subarray(end + 4);
        const header = Buffer.alloc(14);
        header[0] = 0x81; // FIN, text
        header[1] = 0x80 | 127; // masked, 64-bit length
        header.writeBigUInt64BE(BigInt(declaredBytes), 2);
        randomBytes(4).copy(header, 10);
        socket.write(Buffer.concat([header, Buffer.from('{"type":')]));
      }
      // A close frame: 0x88, a length byte (< 126 here), then the 2-byte code.
      if (received.length >= 4 && received[0] === 0x88) {
        resolve(received.readUInt16BE(2));
        socket.destroy();
      }
    });
    socket.on('close', () => resolve(null));
  });
}
