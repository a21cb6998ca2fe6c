/**
 * Issue 13 parts 1-2: the patient pay page and its token-scoped API, through HTTP and graphql-ws like
 * a browser without an API key. The token reads its one checkout and nothing else; a wrong and an
 * expired token take the same steps and get the same answer; callers without a key are rate limited
 * per client address. (The page in a real browser: test/browser/.)
 */
import { createClient } from 'graphql-ws';
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { openPayPage, PAY_PAGE_RECEIPT_DAYS, type PayPageStep } from '../../src/flows/collection/pay-page-access';
import { NEX_SEED } from '../../src/sandbox/nexhealth';
import type { SqlExecutor } from '../../src/transactions/sql-client';
import { wsCodes, wsOnce } from '../hardening/ws';
import { startTestGateway, type TestGateway } from './harness';

const SMILE = 'smile-dental';
const PATIENT = NEX_SEED.ownGuarantor.ownId;
const PAGE_FIELDS = `practiceName patientFirstName amount { amount currency } lines { description amount { cents } }
  status posting checkoutUrl expiresAt paidAt`;
const PAGE = `query Page($token: String!) { paymentPage(token: $token) { ${PAGE_FIELDS} } }`;
const CHANGED = `subscription Changed($token: String!) { paymentPageChanged(token: $token) { status posting } }`;
const CREATE = `mutation Create($input: CreateCheckoutInput!) {
  createCheckout(input: $input) { transaction { transactionId checkout { url payPageUrl } } } }`;
/** Per-address budget of this file's gateway (the rate-limit case spends it from its own address). */
const PER_MINUTE = 40;

let t: TestGateway;
let seq = 0;

beforeAll(async () => {
  t = await startTestGateway({
    gateway: { collection: { watchIntervalMs: 3_600_000 } },
    config: (raw) => {
      raw.limits = { ...raw.limits, payPageRequestsPerMinute: PER_MINUTE };
    },
  });
}, 60_000);
afterAll(async () => {
  await t?.close();
});

async function checkout(practiceId = SMILE, patientId = PATIENT, amount = '42.50') {
  const { data, errors } = await t.gql(CREATE, {
    input: { practiceId, patientId, amount, idempotencyKey: `pay-page-${++seq}` },
  });
  expect(errors).toBeUndefined();
  const tx = data.createCheckout.transaction;
  return {
    transactionId: tx.transactionId as string,
    url: tx.checkout.url as string,
    token: tx.checkout.payPageUrl.split('/pay/')[1] as string,
  };
}

const anonymous = (query: string, variables: Record<string, unknown> = {}) => t.gql(query, variables, null);

describe('the token-scoped API, without an API key', () => {
  it('reads its checkout: the contract fields only, the first name, the processor page', async () => {
    const { token, url } = await checkout();
    const { status, data, errors } = await anonymous(PAGE, { token });
    expect(status).toBe(200);
    expect(errors).toBeUndefined();
    const patient = await t.gql(`{ patient(practiceId: "${SMILE}", patientId: "${PATIENT}") { firstName } }`);
    const practice = await t.gql(`{ practices { id name } }`);
    expect(data.paymentPage).toEqual({
      practiceName: practice.data.practices.find((p: { id: string }) => p.id === SMILE).name,
      patientFirstName: patient.data.patient.firstName,
      amount: { amount: '42.50', currency: 'USD' },
      lines: [{ description: expect.any(String), amount: { cents: 4250 } }],
      status: 'OPEN',
      posting: 'PENDING',
      checkoutUrl: url,
      expiresAt: expect.any(String),
      paidAt: null,
    });
  });

  it('a wrong token reads nothing (null), and nothing else runs without a key (401 / 4403)', async () => {
    const { token } = await checkout();
    const wrong = await anonymous(PAGE, { token: `${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}` });
    expect(wrong.data).toEqual({ paymentPage: null });
    for (const query of [
      '{ practices { id } }',
      `{ paymentPage(token: "${token}") { practiceName } practices { id } }`,
      `query A { paymentPage(token: "${token}") { practiceName } } query B { practices { id } }`,
      `{ ... on Query { paymentPage(token: "${token}") { practiceName } } }`,
      '{ __schema { queryType { name } } }',
    ]) {
      const refused = await anonymous(query);
      expect(refused.status, query).toBe(401);
      expect(
        refused.errors?.map((e) => e.extensions?.code),
        query,
      ).toEqual(['UNAUTHENTICATED']);
    }
    const ws = await wsOnce(t.url, null, `subscription { transactionStatusChanged(practiceId: "${SMILE}") { transactionId } }`);
    expect(ws.closeCode).toBe(4403);
    expect(ws.results).toEqual([]);
  });

  it("one practice's token shows nothing of another's checkouts (tenancy)", async () => {
    const smile = await checkout(SMILE, PATIENT, '11.00');
    const dentrix = await checkout('bright-dentrix', NEX_SEED.dentrixPatientId, '22.00');
    const a = await anonymous(PAGE, { token: smile.token });
    const b = await anonymous(PAGE, { token: dentrix.token });
    expect(a.data.paymentPage.amount.amount).toBe('11.00');
    expect(b.data.paymentPage.amount.amount).toBe('22.00');
    expect(a.data.paymentPage.checkoutUrl).toBe(smile.url);
    expect(b.data.paymentPage.practiceName).not.toBe(a.data.paymentPage.practiceName);
  });

  it('a right, a wrong and an expired token take the same steps: one hash, one indexed query, one comparison', async () => {
    const { token, transactionId } = await checkout();
    const row = await t.gateway.services.collection.checkout(transactionId);
    const sql = t.gateway.store.sql;
    const queries: string[] = [];
    const counting: SqlExecutor = {
      query: ((text: string, params?: unknown[]) => {
        queries.push(text);
        return sql.query(text, params);
      }) as SqlExecutor['query'],
    } as SqlExecutor;
    const run = async (presented: string, now: Date) => {
      const steps: PayPageStep[] = [];
      queries.length = 0;
      const opened = await openPayPage(counting, presented, now, (step) => steps.push(step));
      return { opened: opened !== null, steps, queries: [...queries] };
    };
    const expires = Date.parse(row!.expiresAt);
    const right = await run(token, new Date(expires - 60_000));
    // One character changed, never to itself (a token starting with `x` made this the right token: 1 run in 64).
    const wrong = await run(`${token.startsWith('x') ? 'y' : 'x'}${token.slice(1)}`, new Date(expires - 60_000));
    const expired = await run(token, new Date(expires + PAY_PAGE_RECEIPT_DAYS * 86_400_000 + 1));
    const lastDay = await run(token, new Date(expires + PAY_PAGE_RECEIPT_DAYS * 86_400_000 - 1));
    expect([right.opened, wrong.opened, expired.opened, lastDay.opened]).toEqual([true, false, false, true]);
    for (const other of [wrong, expired]) {
      expect(other.steps).toEqual(right.steps);
      expect(other.queries).toEqual(right.queries);
    }
    expect(right.steps).toEqual(['hash', 'lookup', 'compare', 'validity']);
    expect(right.queries).toHaveLength(1);
  });

  it('is rate limited per client address: RATE_LIMITED past the budget from one address, others unaffected', async () => {
    const { token } = await checkout();
    // From its own loopback address (node:http's localAddress): 127.0.0.1's budget (the other cases) is not touched.
    const ask = (path: string, body?: string) =>
      new Promise<{ status: number; body: { errors?: Array<{ extensions?: { code?: string } }> } | null }>((resolve, reject) => {
        const req = request(
          `${t.url}${path}`,
          { method: body ? 'POST' : 'GET', localAddress: '127.0.0.2', headers: { 'content-type': 'application/json' } },
          (res) => {
            let text = '';
            res.on('data', (chunk) => (text += chunk));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, body: body ? JSON.parse(text) : null }));
          },
        );
        req.on('error', reject);
        req.end(body);
      });
    const answers = [];
    for (let i = 0; i <= PER_MINUTE; i++)
      answers.push(await ask('/graphql', JSON.stringify({ query: PAGE, variables: { token } })));
    expect(answers.slice(0, PER_MINUTE).every((a) => a.status === 200 && !a.body?.errors)).toBe(true);
    expect(answers[PER_MINUTE]!.status).toBe(429);
    expect(answers[PER_MINUTE]!.body?.errors?.[0]?.extensions?.code).toBe('RATE_LIMITED');
    expect((await ask(`/pay/${token}`)).status).toBe(429);
    expect((await anonymous(PAGE, { token })).data.paymentPage.status).toBe('OPEN');
  });
});

describe('paymentPageChanged and GET /pay/<token>', () => {
  it('streams OPEN → PAID → posted, then ends; a wrong token gets one null', async () => {
    const { token, url } = await checkout();
    const client = createClient({ url: `${t.url.replace(/^http/, 'ws')}/graphql`, webSocketImpl: WebSocket, retryAttempts: 0 });
    const events: Array<{ status: string; posting: string }> = [];
    let first!: () => void;
    const opened = new Promise<void>((resolve) => (first = resolve));
    const ended = new Promise<void>((resolve, reject) =>
      client.subscribe<{ paymentPageChanged: { status: string; posting: string } }>(
        { query: CHANGED, variables: { token } },
        {
          next: (r) => {
            events.push(r.data!.paymentPageChanged);
            first();
          },
          error: reject,
          complete: resolve,
        },
      ),
    );
    await opened;
    const paid = await fetch(`${t.stripe.url}/_sandbox/checkout/sessions/${new URL(url).pathname.split('/').pop()}/pay`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ card: '4242424242424242' }),
    });
    expect(paid.status).toBe(200);
    await t.stripe.webhooks.idle();
    await t.gateway.services.transactions.context.inFlight.settle();
    await t.nex.completePendingInsertions();
    await ended;
    await client.dispose();
    expect(events[0]).toEqual({ status: 'OPEN', posting: 'PENDING' });
    expect(events.at(-1)).toEqual({ status: 'PAID', posting: 'COMPLETED' });
    expect(events.map((e) => e.status).filter((s, i, all) => s !== all[i - 1])).toEqual(['OPEN', 'PAID']);

    const wrong = await wsOnce(t.url, null, CHANGED, { token: 'not-a-token' });
    expect(wrong.results).toEqual([{ data: { paymentPageChanged: null } }]);
    expect(wsCodes(wrong)).toEqual([]);
  });

  it('serves the page with the essentials in the HTML (no script needed), the same 404 for wrong and expired', async () => {
    const { token, url } = await checkout(SMILE, PATIENT, '17.25');
    const page = await fetch(`${t.url}/pay/${token}`);
    expect(page.status).toBe(200);
    expect(page.headers.get('referrer-policy')).toBe('no-referrer');
    expect(page.headers.get('cache-control')).toBe('no-store');
    const html = await page.text();
    expect(html).toContain('<html lang="en">');
    expect(html).toContain('data-status="open"');
    expect(html).toContain('$17.25');
    expect(html).toContain(`href="${url.replace(/&/g, '&amp;')}"`);
    expect(html).toContain('aria-live="polite"');
    const script = /<script type="module" src="([^"]+)"/.exec(html)?.[1];
    expect(script).toMatch(/^\/pay\/assets\/pay-page\.[0-9a-f]{16}\.js$/);
    const js = await fetch(`${t.url}${script}`);
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toContain('javascript');
    expect((await js.text()).length).toBeGreaterThan(1000);
    const wrong = await fetch(`${t.url}/pay/${token.slice(2)}`);
    expect(wrong.status).toBe(404);
    expect(await wrong.text()).toContain('data-status="invalid"');
  });
});
