/**
 * Vendor SDKs load on their adapter's first call, never at import or adapter construction
 * (`src/adapters/lazy-sdk.ts`): a gateway whose practices use none of a vendor pays none of its SDK's
 * memory. Vitest shares module state between the files of a worker (another test may already have
 * loaded an SDK), so the check runs in a fresh child process: `node --import tsx` (as
 * test/e2e/shutdown.test.ts starts src/main.ts) running a small script that imports what the gateway
 * imports, builds the adapters of a NexHealth practice the way the gateway does (the registry's
 * descriptors), and reports which SDK packages Node's module cache holds. The SDKs are CommonJS, so
 * an `import()` of one goes through `Module._cache` too: a key under `/node_modules/<package>/` means
 * it was loaded.
 */
import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * The vendor SDKs that must stay unloaded until their adapter calls out (or verifies a webhook): every
 * processor, messaging and accounting SDK. A new vendor's SDK joins this list.
 */
const LAZY_SDKS = [
  'square',
  'stripe',
  'twilio',
  '@sendgrid/client',
  '@sendgrid/mail',
  '@sendgrid/eventwebhook',
  'intuit-oauth',
] as const;

type Loaded = Record<(typeof LAZY_SDKS)[number], boolean>;

/** What the Square adapter does first: an API call, or a webhook verification (synchronous in the port). */
type First = 'call' | 'webhook';

interface Report {
  /** After importing the gateway's modules and building a NexHealth practice's adapter. */
  nexhealthOnly: Loaded;
  /** After building a Square adapter too (nothing done with it yet). */
  squareBuilt: Loaded;
  /** After the Square adapter's first act (`First`) and what it answered. */
  squareUsed: Loaded;
  squareAnswer: string;
}

/** Runs in the child (ESM, `--import tsx`); prints one JSON line, the `Report`. */
const SCRIPT = `
import Module from 'node:module';
const root = process.env.LAZY_SDK_ROOT;
const packages = JSON.parse(process.env.LAZY_SDK_PACKAGES);
const loaded = () => {
  const keys = Object.keys(Module._cache).map((key) => key.replaceAll('\\\\', '/'));
  return Object.fromEntries(packages.map((name) => [name, keys.some((key) => key.includes('/node_modules/' + name + '/'))]));
};
const src = (path) => import(new URL('src/' + path, 'file://' + root + '/').href);

await src('server/gateway.ts');
const { ledgerSystem, processorSystem } = await src('adapters/registry.ts');
const nexhealth = ledgerSystem('nexhealth');
nexhealth.createAdapter(
  nexhealth.connection.parse({ baseUrl: 'http://127.0.0.1:9', apiKey: 'k', subdomain: 'smile', locationId: '1' }),
  {},
);
const nexhealthOnly = loaded();

const { startSquareSandbox, SQUARE_SELLERS } = await src('sandbox/square/index.ts');
const sandbox = await startSquareSandbox();
const seller = SQUARE_SELLERS[0];
const square = processorSystem('square');
const adapter = square.createAdapter(
  square.connection.parse({ baseUrl: sandbox.url, accessToken: seller.token, locationId: seller.locationId }),
  { maxRetries: 0 },
);
const squareBuilt = loaded();

let squareAnswer;
if (process.env.LAZY_SDK_FIRST === 'call') {
  squareAnswer = await adapter.getPayment('no-such-payment').then(
    () => 'found',
    (error) => error.code ?? String(error),
  );
} else {
  const { signSquareWebhook, SQUARE_SIGNATURE_HEADER } = await src('adapters/processor/square/index.ts');
  const url = 'https://gw.example/webhooks/square/smile-dental';
  const payment = { id: 'P1', status: 'COMPLETED', amount_money: { amount: 12500, currency: 'USD' }, created_at: '2026-07-01T10:00:00Z' };
  const body = JSON.stringify({ type: 'payment.updated', event_id: 'E1', created_at: '2026-07-01T10:00:01Z', data: { type: 'payment', id: 'P1', object: { payment } } });
  const event = adapter.verifyWebhook({ url, headers: { [SQUARE_SIGNATURE_HEADER]: signSquareWebhook('key', url, body) }, rawBody: Buffer.from(body), secret: 'key', now: new Date() });
  squareAnswer = event.type + ' ' + event.payment.amount;
}
const squareUsed = loaded();
await adapter.close();
await sandbox.close();
console.log(JSON.stringify({ nexhealthOnly, squareBuilt, squareUsed, squareAnswer }));
`;

function runChild(first: First): Promise<Report> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '-e', SCRIPT],
      {
        cwd: root,
        env: { ...process.env, LAZY_SDK_ROOT: root, LAZY_SDK_PACKAGES: JSON.stringify(LAZY_SDKS), LAZY_SDK_FIRST: first },
        timeout: 120_000,
      },
      (error, stdout, stderr) => {
        if (error) return reject(new Error(`the child failed: ${error.message}\n${stderr}`));
        const line = stdout.trim().split('\n').at(-1) ?? '';
        try {
          resolve(JSON.parse(line) as Report);
        } catch {
          reject(new Error(`expected one JSON line from the child, got: ${stdout}\n${stderr}`));
        }
      },
    );
  });
}

const none = Object.fromEntries(LAZY_SDKS.map((name) => [name, false]));

describe('vendor SDKs load lazily', () => {
  it('a NexHealth-only gateway loads no vendor SDK; Square loads on its first call, not when its adapter is built', async () => {
    const report = await runChild('call');
    expect(report.nexhealthOnly).toEqual(none);
    expect(report.squareBuilt).toEqual(none);
    // The call reached the sandbox through the SDK, and its 404 was mapped from the SDK's own error.
    expect(report.squareAnswer).toBe('NOT_FOUND');
    expect(report.squareUsed).toEqual({ ...none, square: true });
  }, 150_000);

  it('a first Square webhook, before any call, loads the SDK synchronously and parses through its serializer', async () => {
    const report = await runChild('webhook');
    expect(report.nexhealthOnly).toEqual(none);
    expect(report.squareBuilt).toEqual(none);
    expect(report.squareAnswer).toBe('PAYMENT_UPDATED 12500');
    expect(report.squareUsed).toEqual({ ...none, square: true });
  }, 150_000);
});
