/**
 * Writes with no answer from the practice's system, through the public API (hole 6 of issue #11):
 * a SUBMITTED write is never FAILED by the clock. After 48 h it stays SUBMITTED with `attention`,
 * keeps being looked up (counted in the sandbox's request log), and completes when it lands on day 3;
 * one still unanswered after 30 days stops being looked up and waits for staff, who settle it with
 * `resolveTransaction` (every refusal writes nothing and calls no upstream).
 *
 * The NexHealth sandbox inserts only when told (`insertion: 'manual'`) and its webhooks are held, so
 * only the gateway's look-ups (`GET /payments?transaction_id=…`) can find a landed write. The
 * service's clock is real time plus what the test advances; the test drives `tick()`.
 */
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NEX_SEED } from '../../src/sandbox/nexhealth';
import { NO_ANSWER_ATTENTION } from '../../src/transactions/attention';
import { KEYS, startTestGateway, type TestGateway } from './harness';
import { PAY } from './documents';

const SMILE = 'smile-dental';
const DENTRIX = 'bright-dentrix';
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

let t: TestGateway;
let offsetMs = 0;
let keySeq = 0;
const clients: Client[] = [];

const TX = /* GraphQL */ `
  query Tx($practiceId: ID!, $transactionId: ID!) {
    transaction(practiceId: $practiceId, transactionId: $transactionId) {
      transactionId status attention failureReason
      resolution { outcome note by at }
      records { __typename ... on Payment { transactionId amount { cents } } }
      jobs { kind state }
    }
  }
`;
const RESOLVE = /* GraphQL */ `
  mutation Resolve($practiceId: ID!, $transactionId: ID!, $outcome: TransactionStatus!, $note: String!) {
    resolveTransaction(practiceId: $practiceId, transactionId: $transactionId, outcome: $outcome, note: $note) {
      transaction { transactionId status attention failureReason resolution { outcome note by at } }
    }
  }
`;
const SUBSCRIPTION = /* GraphQL */ `
  subscription Status($practiceId: ID!, $transactionId: ID) {
    transactionStatusChanged(practiceId: $practiceId, transactionId: $transactionId) { transactionId status attention resolution { outcome by } }
  }
`;

beforeAll(async () => {
  t = await startTestGateway({
    gateway: {
      transactionOptions: {
        now: () => new Date(Date.now() + offsetMs),
        // Hourly before the deadline too; the background queue then never runs on its own in a test.
        pollIntervalMs: HOUR,
      },
    },
  });
  t.nex.webhooks.hold();
});
afterAll(async () => {
  await Promise.all(clients.splice(0).map((c) => c.dispose()));
  await t?.close();
});

async function advance(ms: number) {
  offsetMs += ms;
  await t.gateway.services.transactions.tick();
}

async function pay(amount: string): Promise<string> {
  const r = await t.gql(PAY, {
    input: {
      practiceId: SMILE,
      patientId: NEX_SEED.ownGuarantor.ownId,
      amount,
      paymentTypeId: NEX_SEED.paymentTypes.openDental.cash,
      idempotencyKey: `e2e-stale-${++keySeq}`,
    },
  });
  expect(r.errors).toBeUndefined();
  expect(r.data.createPaymentTransaction.transaction.status).toBe('SUBMITTED');
  return r.data.createPaymentTransaction.transaction.transactionId;
}

async function tx(transactionId: string) {
  const r = await t.gql(TX, { practiceId: SMILE, transactionId });
  expect(r.errors).toBeUndefined();
  return r.data.transaction;
}

/** The gateway's look-ups of one write upstream. */
const lookUps = (transactionId: string) =>
  t.nex.requests.filter((r) => r.method === 'GET' && r.path === '/payments' && r.query.transaction_id === transactionId).length;

/** Wait (briefly polling, no fixed sleeps) until `condition` holds. */
async function until(condition: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

function subscribe(transactionId: string) {
  const client = createClient({
    url: `${t.url.replace(/^http/, 'ws')}/graphql`,
    webSocketImpl: WebSocket,
    connectionParams: { Authorization: `Bearer ${KEYS.all}` },
    retryAttempts: 0,
  });
  clients.push(client);
  const seen: any[] = [];
  const errors: unknown[] = [];
  client.subscribe(
    { query: SUBSCRIPTION, variables: { practiceId: SMILE, transactionId } },
    {
      next: (r) => (r.errors ? errors.push(r.errors) : seen.push((r.data as any).transactionStatusChanged)),
      error: (e) => errors.push(e),
      complete: () => undefined,
    },
  );
  return { seen, errors };
}

/** A write 48 h without an answer: SUBMITTED with attention. */
async function staleWrite(amount: string): Promise<string> {
  const id = await pay(amount);
  await advance(48 * HOUR);
  expect(await tx(id)).toMatchObject({ status: 'SUBMITTED', attention: NO_ANSWER_ATTENTION });
  return id;
}

describe('a write with no answer from upstream', () => {
  it('stays SUBMITTED with attention after 48 h, is still looked up, and completes when it lands on day 3', async () => {
    const id = await pay('31.00');
    await advance(30_000);
    expect(lookUps(id)).toBe(1);
    expect(await tx(id)).toMatchObject({ status: 'SUBMITTED', attention: null });

    await advance(48 * HOUR);
    expect(await tx(id)).toMatchObject({
      status: 'SUBMITTED',
      failureReason: null,
      attention: NO_ANSWER_ATTENTION,
      resolution: null,
    });
    expect(lookUps(id)).toBe(2);
    expect((await tx(id)).jobs).toContainEqual({ kind: 'ledger.poll', state: 'QUEUED' });

    // Hourly from now on: not within the hour, once per hour after it.
    await advance(HOUR / 2);
    expect(lookUps(id)).toBe(2);
    await advance(HOUR / 2);
    expect(lookUps(id)).toBe(3);
    await advance(HOUR);
    expect(lookUps(id)).toBe(4);

    // Day 3: the office's synchronizer is back and the write lands; the next look-up finds it.
    await t.nex.completePendingInsertions();
    await advance(22 * HOUR);
    expect(lookUps(id)).toBe(5);
    expect(await tx(id)).toMatchObject({
      status: 'COMPLETED',
      attention: null,
      failureReason: null,
      resolution: null,
      records: [{ __typename: 'Payment', transactionId: id, amount: { cents: -3100 } }],
    });
  });

  it('after 30 days the look-ups stop, the attention stays, and staff settle it: recorded, announced, poll stopped', async () => {
    const id = await staleWrite('32.00');
    await advance(5 * DAY); // day 7: hourly until here, one look-up per tick of the test
    await advance(DAY); // daily from day 7
    const lateCalls = lookUps(id);
    await advance(30 * DAY); // past 30 days: a last look-up, then no more
    await advance(DAY);
    await advance(DAY);
    expect(lookUps(id)).toBe(lateCalls + 1);
    const waiting = await tx(id);
    expect(waiting).toMatchObject({ status: 'SUBMITTED', attention: NO_ANSWER_ATTENTION });
    expect(waiting.jobs).toContainEqual({ kind: 'ledger.poll', state: 'DONE' });

    const watcher = subscribe(id);
    await until(() => watcher.seen.length >= 1, 'the current state');
    expect(watcher.seen[0]).toMatchObject({ status: 'SUBMITTED', attention: NO_ANSWER_ATTENTION, resolution: null });

    const before = Date.now() + offsetMs;
    const r = await t.gql(RESOLVE, {
      practiceId: SMILE,
      transactionId: id,
      outcome: 'FAILED',
      note: 'Not in the ledger on day 38; entered again by hand.',
    });
    expect(r.errors).toBeUndefined();
    const settled = r.data.resolveTransaction.transaction;
    expect(settled).toMatchObject({
      transactionId: id,
      status: 'FAILED',
      attention: null,
      resolution: { outcome: 'FAILED', note: 'Not in the ledger on day 38; entered again by hand.', by: 'all' },
    });
    expect(settled.failureReason).toMatch(/marked failed by "all"/);
    expect(Date.parse(settled.resolution.at)).toBeGreaterThanOrEqual(before - 1000);
    await until(() => watcher.seen.length >= 2, 'the resolution on the subscription');
    expect(watcher.seen[1]).toMatchObject({ status: 'FAILED', attention: null, resolution: { outcome: 'FAILED', by: 'all' } });
    expect(watcher.errors).toEqual([]);
  });

  it('a settlement to COMPLETED cancels the queued poll job; nothing is looked up after it', async () => {
    const id = await staleWrite('33.00');
    const calls = lookUps(id);
    const r = await t.gql(
      RESOLVE,
      { practiceId: SMILE, transactionId: id, outcome: 'COMPLETED', note: 'Found in the ledger (receipt 7781).' },
      KEYS.smile,
    );
    expect(r.errors).toBeUndefined();
    expect(r.data.resolveTransaction.transaction).toMatchObject({
      status: 'COMPLETED',
      attention: null,
      failureReason: null,
      resolution: { outcome: 'COMPLETED', by: 'smile' },
    });
    expect((await tx(id)).jobs).toContainEqual({ kind: 'ledger.poll', state: 'CANCELLED' });
    await advance(DAY);
    expect(lookUps(id)).toBe(calls);
  });
});

describe('resolveTransaction refusals write nothing and call no upstream', () => {
  it('refuses every bad request with a stable code', async () => {
    const stale = await staleWrite('34.00');
    const fresh = await pay('35.00');
    t.nex.resetRequestLog();
    const storedBefore = [await tx(stale), await tx(fresh)];
    const cases: Array<[Record<string, unknown>, string, RegExp, string?]> = [
      [{ transactionId: stale, outcome: 'PENDING', note: 'x' }, 'BAD_USER_INPUT', /COMPLETED or FAILED/],
      [{ transactionId: stale, outcome: 'SUBMITTED', note: 'x' }, 'BAD_USER_INPUT', /COMPLETED or FAILED/],
      [{ transactionId: stale, outcome: 'FAILED', note: '   ' }, 'BAD_USER_INPUT', /note/],
      [{ transactionId: stale, outcome: 'FAILED', note: 'n'.repeat(1001) }, 'BAD_USER_INPUT', /at most 1000/],
      [{ transactionId: 'x'.repeat(51), outcome: 'FAILED', note: 'x' }, 'BAD_USER_INPUT', /at most 50/],
      [{ transactionId: fresh, outcome: 'COMPLETED', note: 'x' }, 'BAD_USER_INPUT', /needs no resolution/],
      [{ transactionId: 'LG:99999999', outcome: 'FAILED', note: 'x' }, 'NOT_FOUND', /no transaction/],
      [{ practiceId: DENTRIX, transactionId: stale, outcome: 'FAILED', note: 'x' }, 'FORBIDDEN', /may not touch/, KEYS.smile],
    ];
    for (const [vars, code, message, key] of cases) {
      const r = await t.gql(RESOLVE, { practiceId: SMILE, ...vars }, key ?? KEYS.all);
      expect(r.errors?.[0]?.extensions?.code, JSON.stringify(vars).slice(0, 80)).toBe(code);
      expect(r.errors?.[0]?.message).toMatch(message);
    }
    expect(t.nex.requests).toEqual([]);
    expect([await tx(stale), await tx(fresh)]).toEqual(storedBefore);

    // Once settled it needs no resolution any more.
    const ok = await t.gql(RESOLVE, { practiceId: SMILE, transactionId: stale, outcome: 'FAILED', note: 'not there' });
    expect(ok.errors).toBeUndefined();
    const again = await t.gql(RESOLVE, { practiceId: SMILE, transactionId: stale, outcome: 'COMPLETED', note: 'found it' });
    expect(again.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(again.errors?.[0]?.message).toMatch(/needs no resolution: it is FAILED/);
    expect((await tx(stale)).resolution).toMatchObject({ outcome: 'FAILED', note: 'not there' });
  });
});
