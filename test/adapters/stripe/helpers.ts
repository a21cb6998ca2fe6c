/** Shared pieces of the Stripe adapter tests: a sandbox, an adapter on it, a webhook receiver. */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createStripeAdapter } from '../../../src/adapters/processor/stripe';
import type { CheckoutRequest, ProcessorAdapter } from '../../../src/adapters/processor/port';
import { type StripeSandbox, startStripeSandbox } from '../../../src/sandbox/stripe';

export const SMILE_KEY = 'sk_test_sandbox_smile_dental';

export async function sandboxAndAdapter(
  options: { timeoutMs?: number; secretKey?: string } = {},
): Promise<{ sandbox: StripeSandbox; adapter: ProcessorAdapter }> {
  // Webhook retries a few ms apart: the tests wait on recorded attempts, never on time.
  const sandbox = await startStripeSandbox({ retryDelaysMs: [5, 5, 5, 5] });
  const adapter = createStripeAdapter(
    { baseUrl: sandbox.url, secretKey: options.secretKey ?? SMILE_KEY },
    { timeoutMs: options.timeoutMs ?? 5_000 },
  );
  return { sandbox, adapter };
}

let counter = 1000;

export function checkoutRequest(sandbox: StripeSandbox, overrides: Partial<CheckoutRequest> = {}): CheckoutRequest {
  const n = ++counter;
  return {
    transactionId: `LG:${n}`,
    practiceId: 'smile-dental',
    patientSourceId: '42',
    title: 'Balance at Smile Dental',
    amount: 12_500,
    currency: 'USD',
    // What the gateway sends: 24 h − 60 s from now (on the sandbox's clock, which tests may advance).
    expiresAt: new Date(sandbox.clock.nowMs() + 24 * 3600_000 - 60_000).toISOString(),
    returnUrl: 'https://gw.example/pay/Zt1?session={CHECKOUT_SESSION_ID}',
    cancelUrl: 'https://gw.example/pay/Zt1?canceled=1',
    payerEmail: 'pat@example.com',
    payerPhone: null,
    idempotencyKey: `LG:${n}:checkout:1`,
    ...overrides,
  };
}

/** POST a `/_sandbox/…` control as JSON. */
export async function control(sandbox: StripeSandbox, path: string, body: unknown = {}, method = 'POST'): Promise<any> {
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
  headers: http.IncomingHttpHeaders;
  rawBody: Buffer;
  eventId: string;
  eventType: string;
}

/** A webhook receiver: records every delivery with its raw bytes; answers `statusFor(n)` (default 200). */
export async function webhookReceiver(statusFor: (n: number, received: Received) => number = () => 200) {
  const received: Received[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const rawBody = Buffer.concat(chunks);
      const parsed = JSON.parse(rawBody.toString('utf8')) as { id: string; type: string };
      const entry = { headers: req.headers, rawBody, eventId: parsed.id, eventType: parsed.type };
      received.push(entry);
      res.writeHead(statusFor(received.length, entry)).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/webhooks/stripe/smile-dental`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
