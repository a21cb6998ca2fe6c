/**
 * Issue 12, "kill -9 of the gateway between 'paid' and 'posted' and after the ledger accepted", for
 * real: the gateway runs as its own process (`node --import tsx src/main.ts --config FILE`, what
 * `npm start` runs) over a `pglite://` store, and is killed with SIGKILL: no handler, no drain, no
 * lock released. The Stripe and NexHealth sandboxes run in this test process on port 0; the child's
 * config points the practice's ledger and processor connections at them, and its `server.publicUrl`
 * at itself (a port chosen before it starts, kept across restarts, so the processor's and the
 * ledger's webhooks reach whichever lifetime is up).
 *
 * - Between "paid" and "posted": NexHealth answers POST /payments with 503, so the child stores
 *   "paid" (the Stripe webhook answered 2xx, the checkout PAID through the API) and its posting job
 *   waits for its retry. Killed there; the fault cleared; a new process on the same store posts it.
 * - After the ledger accepted: NexHealth applies the POST and holds its answer (`responseTimeMs`), so
 *   the child is killed with the write accepted upstream and nothing recorded. The write lands while
 *   no gateway listens (its webhook finds nobody); the new process looks the transaction up and does
 *   not post again.
 *
 * No sleeps and no fake clocks (a real process runs on real time): the test waits on state (the API,
 * the sandboxes' logs) with bounded polls. The child's own timers decide how long recovery takes: the
 * posting job's retry (1 s, 5 s, …), its 60 s lease after a kill mid-call, `ledger.poll` 30 s after
 * SUBMITTED. Evidence: the NexHealth request log and landed rows, which span both lifetimes.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NEX_SEED, startNexhealthSandbox, type NexhealthSandbox } from '../../src/sandbox/nexhealth';
import { nexhealthSandboxPractices, SANDBOX_PROCESSOR_PAYMENT_TYPES } from '../../src/sandbox/nexhealth/mode';
import { startSquareSandbox, type SquareSandbox } from '../../src/sandbox/square';
import { squareSandboxPractices } from '../../src/sandbox/square/mode';
import { startStripeSandbox, type StripeSandbox } from '../../src/sandbox/stripe';
import { stripeSandboxPractices } from '../../src/sandbox/stripe/mode';

const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
const root = fileURLToPath(new URL('../..', import.meta.url));
const KEY = 'kill-9-test-key-0000000000000000001';
/** Where each processor collects in the sandboxes: its practice and a patient there. */
const PROCESSORS = {
  stripe: { practiceId: 'smile-dental', patientId: NEX_SEED.ownGuarantor.ownId },
  square: { practiceId: 'bright-dentrix', patientId: NEX_SEED.dentrixPatientId },
} as const;
type Processor = keyof typeof PROCESSORS;
const SMILE = PROCESSORS.stripe.practiceId;

const CREATE = /* GraphQL */ `
  mutation Create($input: CreateCheckoutInput!) {
    createCheckout(input: $input) { transaction { transactionId status checkout { url status } } }
  }
`;
const GET = /* GraphQL */ `
  query Get($practiceId: ID!, $transactionId: ID!) {
    transaction(practiceId: $practiceId, transactionId: $transactionId) {
      status attention
      checkout { status processorPaymentId amountPaid { cents } }
      records { ... on Payment { transactionId amount { cents } } }
      jobs { kind state attempts runAt lastError }
    }
  }
`;

let nex: NexhealthSandbox;
let stripe: StripeSandbox;
let square: SquareSandbox;
let dir: string;
const children: ChildProcess[] = [];

/** A gateway process: where it listens and how it ended. */
interface GatewayProcess {
  child: ChildProcess;
  url: string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** A port free right now: the child listens on it, and names it as its public URL, in each lifetime. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as { port: number };
  await new Promise((done) => server.close(done));
  return port;
}

/**
 * smile-dental (collecting through the Stripe sandbox) and bright-dentrix (through the Square
 * sandbox) on the NexHealth sandbox, over `pglite://<store>`. Each case has its own store, so its own
 * transaction id prefix: ids (the ledger's `transaction_id`, the processors' idempotency keys) must
 * not repeat across stores sharing the same sandboxes.
 */
async function writeConfig(name: string, port: number, store: string): Promise<string> {
  const path = join(dir, `${name}.json`);
  const processors = [
    ...stripeSandboxPractices(stripe.url).map((p) => ({ id: p.id, system: 'stripe', connection: p.connection })),
    ...squareSandboxPractices(square.url).map((p) => ({ id: p.id, system: 'square', connection: p.connection })),
  ];
  const practices = nexhealthSandboxPractices(nex).map((practice) => {
    const { system, connection } = processors.find((p) => p.id === practice.id)!;
    return { ...practice, processor: { system, connection, paymentTypeId: SANDBOX_PROCESSOR_PAYMENT_TYPES[practice.id] } };
  });
  await writeFile(
    path,
    JSON.stringify({
      server: { port, host: '127.0.0.1', publicUrl: `http://127.0.0.1:${port}` },
      store: { url: `pglite://${store}` },
      transactionIdPrefix: `K9-${name}`,
      logLevel: 'warn',
      apiKeys: [{ name: 'test', key: KEY, practices: ['*'] }],
      practices,
    }),
  );
  return path;
}

/** Start `src/main.ts --config FILE`; resolves once it listens and answers /readyz 200. */
async function startProcess(configPath: string): Promise<GatewayProcess> {
  const env = { ...process.env };
  for (const name of ['PORT', 'LEDGER_GATEWAY_CONFIG']) delete env[name];
  const child = spawn(process.execPath, ['--import', tsx, join(root, 'src/main.ts'), '--config', configPath], {
    cwd: dir,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) =>
    child.once('exit', (code, signal) => done({ code, signal })),
  );
  let stdout = '';
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const url = await new Promise<string>((done, fail) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const match = /listening on (http:\/\/\S+)/.exec(stdout);
      if (match) done(match[1]!);
    });
    void exited.then(({ code, signal }) => fail(new Error(`gateway exited (${code ?? signal}) before listening: ${stderr}`)));
  });
  await waitFor('the gateway ready (/readyz 200)', async () => (await fetch(`${url}/readyz`)).status === 200, 120_000);
  return { child, url, exited };
}

/** SIGKILL, and the proof that it was one: the process ended by that signal, not by an exit of its own. */
async function kill9(gateway: GatewayProcess): Promise<void> {
  expect(gateway.child.kill('SIGKILL')).toBe(true);
  expect(await gateway.exited).toEqual({ code: null, signal: 'SIGKILL' });
}

/**
 * Poll `probe` until it answers something truthy (its answer is returned), at most `timeoutMs`: the
 * child runs on its own timers, so the test waits on the state they lead to, never a fixed time.
 */
async function waitFor<T>(what: string, probe: () => Promise<T> | T, timeoutMs: number): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const answer = await probe();
      if (answer) return answer as NonNullable<T>;
      last = answer;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`expected ${what} within ${timeoutMs} ms; last probe: ${String(last)}`);
    await new Promise((next) => setTimeout(next, 100));
  }
}

async function gql(url: string, query: string, variables: Record<string, unknown>) {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${KEY}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data?: any; errors?: Array<{ message: string }> };
  expect(body.errors).toBeUndefined();
  return body.data;
}

const transaction = async (url: string, practiceId: string, transactionId: string) =>
  (await gql(url, GET, { practiceId, transactionId })).transaction;

const postsFor = (transactionId: string) =>
  nex.requests.filter(
    (r) => r.method === 'POST' && r.path === '/payments' && (r.body as any)?.payment?.transaction_id === transactionId,
  );
const lookUpsFor = (transactionId: string) =>
  nex.requests.filter((r) => r.method === 'GET' && r.path === '/payments' && r.query['transaction_id'] === transactionId);
const ledgerRows = (transactionId: string) =>
  nex.insertions.filter((i) => i.write.transactionId === transactionId).flatMap((i) => [...i.payments, ...i.adjustments]);

const answered2xx = (attempts: ReadonlyArray<{ status: number | null }>) =>
  attempts.some((a) => a.status !== null && a.status >= 200 && a.status < 300);

/**
 * A checkout created through the child's API and paid on the processor's hosted page. `paidWebhookAnswered()`:
 * the processor's "paid" webhook reached `url` and was answered 2xx (after the gateway's durable write).
 */
async function payCheckout(url: string, processor: Processor, key: string, amount: string) {
  const { practiceId, patientId } = PROCESSORS[processor];
  const created = await gql(url, CREATE, {
    input: { practiceId, patientId, amount, expiresInMinutes: 60, idempotencyKey: key },
  });
  const tx = created.createCheckout.transaction;
  const pageId = new URL(tx.checkout.url).pathname.split('/').pop()!;
  const id: string = tx.transactionId;
  if (processor === 'stripe') {
    const paid = await fetch(`${stripe.url}/_sandbox/checkout/sessions/${pageId}/pay`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ card: '4242424242424242' }),
    });
    expect(paid.status).toBe(200);
    const paidWebhookAnswered = () =>
      stripe.webhooks.deliveries.some(
        (d) =>
          d.eventType === 'checkout.session.completed' &&
          d.url.startsWith(url) &&
          d.body.includes(pageId) &&
          answered2xx(d.attempts),
      );
    return { id, paidWebhookAnswered };
  }
  const paid = square.pay(pageId, { card: '4111 1111 1111 1111', cvv: '111', postalCode: '12345' });
  if (paid?.outcome !== 'paid') throw new Error(`expected the Square page to take the card, got ${JSON.stringify(paid)}`);
  const paidWebhookAnswered = () =>
    square.webhooks.deliveries.some(
      (d) =>
        d.type === 'payment.updated' &&
        d.notificationUrl.startsWith(url) &&
        d.rawBody.includes(paid.payment.id) &&
        answered2xx(d.attempts),
    );
  return { id, paidWebhookAnswered };
}

beforeAll(async () => {
  // Manual landing: a write accepted upstream lands when the test says, so "accepted" and "landed"
  // are states the test sets. Short webhook retries: a ledger webhook to a dead gateway gives up fast.
  nex = await startNexhealthSandbox({ port: 0, rateLimits: false, insertion: 'manual', webhookRetryDelaysMs: [20, 40] });
  stripe = await startStripeSandbox({ port: 0, retryDelaysMs: [10, 20, 40, 80] });
  square = await startSquareSandbox({ port: 0, webhookRetryDelaysMs: [10, 20, 40, 80] });
  dir = await mkdtemp(join(tmpdir(), 'lg-kill-9-'));
}, 60_000);

afterAll(async () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await Promise.all([nex?.close(), stripe?.close(), square?.close()]);
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('kill -9 of the gateway process during a collection (pglite:// store)', () => {
  const between = [
    { processor: 'stripe', amount: '21.50', cents: 2150 },
    { processor: 'square', amount: '19.60', cents: 1960 },
  ] as const;
  for (const { processor, amount, cents } of between) {
    it(`${processor}, between "paid" and "posted": the restarted process posts once, one row lands, COMPLETED`, async () => {
      const { practiceId } = PROCESSORS[processor];
      const config = await writeConfig(`between-${processor}`, await freePort(), join(dir, `between-${processor}`));
      const first = await startProcess(config);
      const refuse = nex.faults.add({ path: '/payments', method: 'POST', status: 503 });
      const { id, paidWebhookAnswered } = await payCheckout(first.url, processor, `kill-9-between-${processor}`, amount);

      // "paid" is stored (the webhook answered 2xx, the API says PAID), the post was refused, and the
      // posting job sits QUEUED for a retry far enough ahead that the kill lands between its runs.
      const stored = await waitFor(
        'the checkout PAID and its posting job waiting for a retry',
        async () => {
          const tx = await transaction(first.url, practiceId, id);
          const job = tx.jobs.find((j: any) => j.kind === 'collection.advance');
          const waiting = job?.state === 'QUEUED' && job.lastError && Date.parse(job.runAt) > Date.now() + 1_000;
          return tx.checkout.status === 'PAID' && waiting && postsFor(id).length > 0 ? tx : null;
        },
        60_000,
      );
      expect(paidWebhookAnswered()).toBe(true);
      expect(stored.status).toBe('SUBMITTED');
      expect(stored.checkout.amountPaid.cents).toBe(cents);
      expect(postsFor(id).every((r) => r.status === 503)).toBe(true);
      expect(ledgerRows(id)).toEqual([]);

      await kill9(first);
      nex.faults.remove(refuse);
      const refusedBefore = postsFor(id).length;

      const second = await startProcess(config);
      const accepted = await waitFor('the restarted job to post', () => postsFor(id).find((r) => r.status === 202), 120_000);
      // The new lifetime looked first (the earlier attempts were counted), found nothing, posted once.
      expect(lookUpsFor(id).some((r) => r.time < accepted.time)).toBe(true);
      expect(Math.round(Number((accepted.body as any).payment.amount) * 100)).toBe(-cents);
      expect(JSON.stringify(accepted.body)).toContain(stored.checkout.processorPaymentId);

      await nex.completePendingInsertions();
      const done = await waitFor(
        'the transaction COMPLETED',
        async () => {
          const tx = await transaction(second.url, practiceId, id);
          return tx.status === 'COMPLETED' ? tx : null;
        },
        120_000,
      );
      expect(done.attention).toBeNull();
      expect(done.records.reduce((sum: number, r: any) => sum + r.amount.cents, 0)).toBe(-cents);
      // Exactly one ledger POST landed: the refused ones before the kill, one accepted after it.
      expect(postsFor(id).map((r) => r.status)).toEqual([...Array(refusedBefore).fill(503), 202]);
      expect(ledgerRows(id)).toHaveLength(1);
      await kill9(second);
    }, 300_000);
  }

  // Past "accepted" the processor has no part left (the payment is stored), so one processor is enough here.
  it('stripe, after the ledger accepted: the restarted process looks it up, posts nothing more, one row, COMPLETED', async () => {
    const config = await writeConfig('accepted', await freePort(), join(dir, 'accepted'));
    const first = await startProcess(config);
    // NexHealth applies the POST (202 rendered, the write accepted) and holds its answer for a minute:
    // the gateway is killed with the ledger's acceptance on the wire and nothing of it recorded.
    const hold = nex.faults.add({ path: '/payments', method: 'POST', responseTimeMs: 60_000 });
    const { id, paidWebhookAnswered } = await payCheckout(first.url, 'stripe', 'kill-9-accepted', '22.75');

    // (The job posts in the background of the webhook: its 2xx may reach Stripe just after the POST.)
    await waitFor(
      'the paid webhook answered 2xx and the ledger holding the accepted posting',
      () => paidWebhookAnswered() && nex.pendingInsertions.some((w) => w.transactionId === id),
      60_000,
    );
    await kill9(first);
    nex.faults.remove(hold);
    // The one POST never got its answer to the gateway.
    expect(postsFor(id)).toHaveLength(1);
    expect(postsFor(id)[0]!.status).toBeNull();

    // It lands while no gateway listens: the ledger's webhook finds nobody and its retries run out.
    await nex.completePendingInsertions();
    await nex.settle();
    expect(ledgerRows(id)).toHaveLength(1);
    const lookUpsBefore = lookUpsFor(id).length;

    const second = await startProcess(config);
    const done = await waitFor(
      'the transaction COMPLETED',
      async () => {
        const tx = await transaction(second.url, SMILE, id);
        return tx.status === 'COMPLETED' ? tx : null;
      },
      150_000,
    );
    expect(done.attention).toBeNull();
    expect(done.checkout.status).toBe('PAID');
    expect(done.records.reduce((sum: number, r: any) => sum + r.amount.cents, 0)).toBe(-2275);
    // The new lifetime found it by looking it up (`ledger.poll`, due 30 s after SUBMITTED).
    expect(lookUpsFor(id).length).toBeGreaterThan(lookUpsBefore);
    // The posting job the dead process held comes back once its lease ran out, and sees it done.
    await waitFor(
      'the posting job of the killed process resumed and finished',
      async () =>
        (await transaction(second.url, SMILE, id)).jobs.some((j: any) => j.kind === 'collection.advance' && j.state === 'DONE'),
      150_000,
    );
    // Exactly one ledger POST, in the first lifetime; one row.
    expect(postsFor(id)).toHaveLength(1);
    expect(ledgerRows(id)).toHaveLength(1);
    expect((await transaction(second.url, SMILE, id)).status).toBe('COMPLETED');
    await kill9(second);
  }, 300_000);
});
