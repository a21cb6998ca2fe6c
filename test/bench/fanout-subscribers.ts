/**
 * Child process of the bench's fan-out part: opens N graphql-ws subscribers on one gateway (its own
 * process, so the client sockets do not share the gateway's fd limit or CPU thread) and records when
 * each status event reached each subscriber. Driven over IPC by run.ts:
 *
 *   → { type: 'start', url, key, n, query }     ← { type: 'connected', count, failed }
 *   → { type: 'count', key }                    ← { type: 'count', count }
 *   → { type: 'report' }                         ← { type: 'report', received: { "<txId> <status>": [ms…] }, rss }
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
      Array.from({ length: size }, () =>
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
                if (!list) received.set(key, (list = []));
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

process.on('message', async (msg: any) => {
  if (msg.type === 'start') await start(msg);
  else if (msg.type === 'report') {
    process.send!({ type: 'report', received: Object.fromEntries(received), rss: process.memoryUsage().rss });
  } else if (msg.type === 'count') {
    process.send!({ type: 'count', count: received.get(msg.key)?.length ?? 0 });
  } else if (msg.type === 'stop') {
    await Promise.all(clients.map((c) => c.dispose()));
    process.exit(0);
  }
});
