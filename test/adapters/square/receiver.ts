/** A webhook receiver for tests: records every delivery's headers and raw bytes; answers what it is told. */
import http from 'node:http';
import { addressUrl, listen } from '../../../src/server/listen';

export interface Received {
  path: string;
  headers: http.IncomingHttpHeaders;
  rawBody: Buffer;
}

export interface Receiver {
  url: string;
  received: Received[];
  /** Statuses to answer, in order; 200 once they run out. */
  answers: number[];
  close(): Promise<void>;
}

export async function startReceiver(): Promise<Receiver> {
  const received: Received[] = [];
  const answers: number[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ path: req.url ?? '/', headers: req.headers, rawBody: Buffer.concat(chunks) });
      res.writeHead(answers.shift() ?? 200);
      res.end();
    });
  });
  const url = addressUrl(await listen(server, 0, '127.0.0.1'));
  return {
    url,
    received,
    answers,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
