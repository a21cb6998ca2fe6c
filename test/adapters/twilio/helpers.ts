/** Shared pieces of the Twilio adapter tests: a sandbox, an adapter on it, a webhook receiver that verifies with the adapter. */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { MessagingAdapter, MessagingEvent, SmsMessage } from '../../../src/adapters/messaging/port';
import { createTwilioAdapter, type TwilioConnection } from '../../../src/adapters/messaging/twilio';
import { type TwilioSandbox, startTwilioSandbox, TWILIO_SANDBOX_ACCOUNTS } from '../../../src/sandbox/twilio';

export const SMILE = TWILIO_SANDBOX_ACCOUNTS.smileDental;
export const NORTHSIDE = TWILIO_SANDBOX_ACCOUNTS.northside;

export function smileConnection(sandbox: TwilioSandbox, overrides: Partial<TwilioConnection> = {}): TwilioConnection {
  return {
    baseUrl: sandbox.url,
    accountSid: SMILE.sid,
    authToken: SMILE.authToken,
    messagingServiceSid: SMILE.messagingServiceSid,
    ...overrides,
  };
}

export async function sandboxAndAdapter(
  options: { timeoutMs?: number; stepDelayMs?: number } = {},
): Promise<{ sandbox: TwilioSandbox; adapter: MessagingAdapter<'SMS'> }> {
  // Status steps and the connection retry a few ms apart: tests wait on recorded callbacks, never on time.
  const sandbox = await startTwilioSandbox({ stepDelayMs: options.stepDelayMs ?? 5, connectionRetryDelayMs: 5 });
  const adapter = createTwilioAdapter(smileConnection(sandbox), { timeoutMs: options.timeoutMs ?? 5_000 });
  return { sandbox, adapter };
}

let counter = 100;

/** A reminder as the flow sends it; its callback URL is on `receiverUrl` (default an unused example host). */
export function smsMessage(
  overrides: Partial<SmsMessage> = {},
  receiverUrl = 'https://gw.example/webhooks/twilio/smile-dental',
): SmsMessage {
  const reminderId = overrides.reminderId ?? `rem_${++counter}`;
  return {
    channel: 'SMS',
    reminderId,
    practiceId: 'smile-dental',
    patientSourceId: '42',
    to: '+15551234567',
    text: `Smile Dental: your balance is $125.00. Pay at https://gw.example/pay/Zt${reminderId}`,
    content: {
      practiceName: 'Smile Dental',
      patientFirstName: null,
      amount: 12_500,
      payUrl: `https://gw.example/pay/Zt${reminderId}`,
      dueDate: null,
    },
    statusCallbackUrl: `${receiverUrl}?r=${reminderId}`,
    ...overrides,
  };
}

/** POST (or PUT, GET) a `/_sandbox/…` control as JSON. */
export async function control(sandbox: TwilioSandbox, path: string, body: unknown = {}, method = 'POST'): Promise<any> {
  const response = await fetch(`${sandbox.url}${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    body: method === 'GET' ? undefined : JSON.stringify(body),
  });
  const json = await response.json();
  if (!response.ok) throw new Error(`${path}: ${response.status} ${JSON.stringify(json)}`);
  return json;
}

export interface Received {
  url: string;
  headers: http.IncomingHttpHeaders;
  rawBody: Buffer;
  /** What the adapter made of it; `null` when it refused it (then `error` says why). */
  events: MessagingEvent[] | null;
  error: Error | null;
}

/**
 * A gateway stand-in: every POST is handed to `adapter.verifyWebhook` with the URL it was called at
 * (as the route builds it from `publicUrl`), and answered 204, or 403 when the adapter refused it.
 */
export async function webhookReceiver(adapter: () => MessagingAdapter) {
  const received: Received[] = [];
  let base = '';
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const rawBody = Buffer.concat(chunks);
      const url = `${base}${req.url ?? '/'}`;
      const entry: Received = { url, headers: req.headers, rawBody, events: null, error: null };
      try {
        entry.events = adapter().verifyWebhook({ url, headers: req.headers, rawBody, secret: null, now: new Date() });
      } catch (error) {
        entry.error = error as Error;
      }
      received.push(entry);
      res.writeHead(entry.error ? 403 : 204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: `${base}/webhooks/twilio/smile-dental`,
    received,
    /** Every event the adapter accepted, in arrival order. */
    events: () => received.flatMap((r) => r.events ?? []),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
