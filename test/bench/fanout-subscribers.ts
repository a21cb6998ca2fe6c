/**
 * Child process of the bench's fan-out part: opens N graphql-ws subscribers on one gateway (its own
 * process, so the client sockets do not share the gateway's fd limit or CPU thread) and records when
 * each status event reached each subscriber. Driven over IPC by run.ts:
 *
 *   → { type: 'start', url, key, n, query }     ← { type: 'connected', count, failed }
 *   → { type: 'count', key }                    ← { type: 'count', count }
 *   → { type: 'report' }                         ← { type: 'report', received: { "<txId> <status>": [ms…] }, rss }
 *   → { type: 'dispose' }                        ← { type: 'disposed' }  (closes the graphql-ws clients)
 *   → { type: 'start-raw', url, n }              ← { type: 'connected', count, failed }
 *       plain ws clients for the floor measurement: each message's arrival is recorded under its
 *       `payload.data.transactionStatusChanged` key, like the graphql-ws clients' deliveries
 *   → { type: 'stop' }                           (disposes every client, exits)
 */
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';

const now = () => performance.timeOrigin + performance.now();
const clients: Client[] = [];
const received = new Map<string, number[]>();

async function start(msg: { url: string; key: string; n: number; query: string }) {
  let failed = 0;
  const batch = 250;
  for (let i = 0; i < msg.n; i += batch) {
    const size = Math.min(batch, msg.n - i);
    await Promise.all(
      Array.from(
        { length: size },
        () =>
          new Promise<void>((resolve) => {
            const client = createClient({
              url: msg.url,
              webSocketImpl: WebSocket,
              connectionParams: { Authorization: `Bearer ${msg.key}` },
              retryAttempts: 0,
              lazy: false,
              keepAlive: 0,
            });
            clients.push(client);
            client.on('connected', () => resolve());
            client.on('closed', () => resolve());
            client.on('error', () => {
              failed += 1;
              resolve();
            });
            client.subscribe<{ transactionStatusChanged: { transactionId: string; status: string } }>(
              { query: msg.query },
              {
                next: ({ data }) => {
                  if (!data) return;
                  const key = `${data.transactionStatusChanged.transactionId} ${data.transactionStatusChanged.status}`;
                  let list = received.get(key);
                  if (!list) {
                    list = [];
                    received.set(key, list);
                  }
                  list.push(now());
                },
                error: () => undefined,
                complete: () => undefined,
              },
            );
          }),
      ),
    );
  }
  process.send!({ type: 'connected', count: clients.length - failed, failed });
}

const raw: WebSocket[] = [];

/** Plain sockets: the time a frame arrived and was parsed, without graphql-ws's own handling. */
async function startRaw(msg: { url: string; n: number }) {
  let failed = 0;
  for (let i = 0; i < msg.n; i += 250) {
    await Promise.all(
      Array.from(
        { length: Math.min(250, msg.n - i) },
        () =>
          new Promise<void>((resolve) => {
            const socket = new WebSocket(msg.url);
            raw.push(socket);
            socket.on('open', () => resolve());
            socket.on('error', () => {
              failed += 1;
              resolve();
            });
            socket.on('message', (data) => {
              const change = JSON.parse(String(data))?.payload?.data?.transactionStatusChanged;
              const at = now();
              const key = `${change?.transactionId} ${change?.status}`;
              let list = received.get(key);
              if (!list) {
                list = [];
                received.set(key, list);
              }
              list.push(at);
            });
          }),
      ),
    );
  }
  process.send!({ type: 'connected', count: raw.length - failed, failed });
}

// Never outlive the bench: if it dies, its IPC channel closes.
process.on('disconnect', () => process.exit(0));

process.on('message', async (msg: any) => {
  if (msg.type === 'start') await start(msg);
  else if (msg.type === 'start-raw') await startRaw(msg);
  else if (msg.type === 'dispose') {
    await Promise.all(clients.splice(0).map((c) => c.dispose()));
    process.send!({ type: 'disposed' });
  } else if (msg.type === 'report') {
    process.send!({ type: 'report', received: Object.fromEntries(received), rss: process.memoryUsage().rss });
  } else if (msg.type === 'count') {
    process.send!({ type: 'count', count: received.get(msg.key)?.length ?? 0 });
  } else if (msg.type === 'stop') {
    for (const socket of raw) socket.terminate();
    await Promise.all(clients.map((c) => c.dispose()));
    process.exit(0);
  }
});
