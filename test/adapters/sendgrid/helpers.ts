/** Shared set-up of the SendGrid adapter tests: the simulator, an adapter on one of its accounts, a webhook receiver, messages. */
import http from 'node:http';
import {
  type SendgridConnection,
  createSendgridAdapter,
  sendgridConnectionSchema,
} from '../../../src/adapters/messaging/sendgrid';
import type { EmailMessage, MessagingAdapter } from '../../../src/adapters/messaging/port';
import type { AdapterOptions, WebhookDelivery } from '../../../src/adapters/system';
import { type SendgridSandbox, startSendgridSandbox } from '../../../src/sandbox/sendgrid';
import { sendgridSandboxPractices } from '../../../src/sandbox/sendgrid/mode';
import { addressUrl, listen } from '../../../src/server/listen';

/** Smile Dental's sandbox account as a validated connection (the schema is the one the config uses). */
export function connectionFor(sandbox: SendgridSandbox, overrides: Partial<SendgridConnection> = {}): SendgridConnection {
  const [smile] = sendgridSandboxPractices(sandbox.url);
  return sendgridConnectionSchema.parse({ ...smile!.connection, ...overrides });
}

export async function sandboxAndAdapter(options: AdapterOptions = {}): Promise<{
  sandbox: SendgridSandbox;
  adapter: MessagingAdapter<'EMAIL'>;
  connection: SendgridConnection;
}> {
  // A short batch window keeps the tests quick; the 500 ms default is checked in the sandbox's own test.
  const sandbox = await startSendgridSandbox({ batchWindowMs: 20, retryDelaysMs: [30, 30, 60, 120] });
  const connection = connectionFor(sandbox);
  return { sandbox, adapter: createSendgridAdapter(connection, { retryBaseDelayMs: 5, ...options }), connection };
}

let counter = 0;

export function emailMessage(overrides: Partial<EmailMessage> = {}): EmailMessage {
  counter++;
  return {
    channel: 'EMAIL',
    reminderId: `rem_${counter}`,
    practiceId: 'smile-dental',
    patientSourceId: String(4000 + counter),
    to: `patient${counter}@example.test`,
    toName: null,
    text: 'Smile Dental: your balance is $125.00. Pay at https://gw.example/pay/tok',
    content: {
      practiceName: 'Smile Dental',
      patientFirstName: null,
      amount: 12_500,
      payUrl: 'https://gw.example/pay/tok',
      dueDate: null,
    },
    statusCallbackUrl: 'https://gw.example/webhooks/sendgrid/smile-dental',
    ...overrides,
  };
}

export interface Received {
  path: string;
  headers: http.IncomingHttpHeaders;
  rawBody: Buffer;
}

/** A webhook receiver: records every delivery's headers and raw bytes; answers `answers` in order, then 200. */
export interface Receiver {
  url: string;
  received: Received[];
  answers: number[];
  /** Resolves once `count` deliveries have arrived. */
  waitFor(count: number): Promise<Received[]>;
  close(): Promise<void>;
}

export async function startReceiver(): Promise<Receiver> {
  const received: Received[] = [];
  const answers: number[] = [];
  let waiters: Array<{ count: number; resolve: (r: Received[]) => void }> = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ path: req.url ?? '/', headers: req.headers, rawBody: Buffer.concat(chunks) });
      res.writeHead(answers.shift() ?? 200);
      res.end();
      waiters = waiters.filter((w) => {
        if (received.length < w.count) return true;
        w.resolve(received);
        return false;
      });
    });
  });
  const url = addressUrl(await listen(server, 0, '127.0.0.1'));
  return {
    url,
    received,
    answers,
    waitFor: (count) =>
      received.length >= count ? Promise.resolve(received) : new Promise((resolve) => waiters.push({ count, resolve })),
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A received delivery as the webhook route hands it to `verifyWebhook`. */
export function asDelivery(received: Pick<Received, 'headers' | 'rawBody'>): WebhookDelivery {
  return {
    url: 'https://gw.example/webhooks/sendgrid/smile-dental',
    headers: received.headers,
    rawBody: received.rawBody,
    secret: null,
    now: new Date(),
  };
}
