/**
 * `transactionStatusChanged` over a real graphql-ws websocket (`ws`), end to end: the status of one
 * transaction, the practice-wide stream, authentication at connection_init, FORBIDDEN for a key
 * without the practice, and an unsubscribe releasing the status-bus subscription.
 *
 * A write's first submit is held at a gate (the service's `afterStore` seam) where a test needs to
 * subscribe to a transaction before it is SUBMITTED. With a transactionId the first event is the
 * transaction as it is now (a subscriber right after the only change still sees it).
 */
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { NEX_SEED } from '../../src/sandbox/nexhealth';
import { KEYS, startTestGateway, type TestGateway } from './harness';

const SUBSCRIPTION = /* GraphQL */ `
  subscription Status($practiceId: ID!, $transactionId: ID) {
    transactionStatusChanged(practiceId: $practiceId, transactionId: $transactionId) {
      transactionId
      kind
      status
      amount { cents }
      failureReason
      records { __typename ... on Payment { transactionId amount { cents } } ... on Adjustment { transactionId amount { cents } } }
    }
  }
`;
const PAY = /* GraphQL */ `
  mutation Pay($input: CreatePaymentTransactionInput!) { createPaymentTransaction(input: $input) { transaction { transactionId status } } }
`;

const SMILE = 'smile-dental';
const DENTRIX = 'bright-dentrix';

let t: TestGateway;
let gate: Promise<void> | null = null;
const clients: Client[] = [];
let keySeq = 0;
/** The gateway's own bus subscriptions (flows and report snapshots watching their practices), held for its life. */
let ownSubscriptions = 0;

beforeAll(async () => {
  t = await startTestGateway({
    gateway: {
      transactionOptions: {
        hooks: {
          async afterStore() {
            if (gate) await gate;
          },
        },
      },
    },
  });
  ownSubscriptions = subscriberCount();
});
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.dispose()));
  // A closed socket releases every bus subscription it held (the server notices the close a moment later).
  await until(() => subscriberCount() === ownSubscriptions, 'every bus subscription to be released');
});
afterAll(async () => {
  await t?.close();
});

function connect(key: string | null): Client {
  const client = createClient({
    url: `${t.url.replace(/^http/, 'ws')}/graphql`,
    webSocketImpl: WebSocket,
    connectionParams: key === null ? {} : { Authorization: `Bearer ${key}` },
    retryAttempts: 0,
  });
  clients.push(client);
  return client;
}

function subscriberCount(): number {
  const bus = t.gateway.services.bus as { subscriberCount?: number };
  expect(typeof bus.subscriberCount).toBe('number');
  return bus.subscriberCount!;
}

/** Wait (briefly polling, no fixed sleeps) until `condition` holds. */
async function until(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

interface Watch {
  values: any[];
  error: unknown;
  completed: boolean;
  unsubscribe(): void;
  statuses(transactionId?: string): string[];
}

function watch(client: Client, variables: Record<string, unknown>): Watch {
  const w: Watch = {
    values: [],
    error: undefined,
    completed: false,
    unsubscribe: () => undefined,
    statuses: (transactionId) => w.values.filter((v) => !transactionId || v.transactionId === transactionId).map((v) => v.status),
  };
  w.unsubscribe = client.subscribe(
    { query: SUBSCRIPTION, variables },
    {
      next: (result) => {
        if (result.errors) w.error = result.errors;
        else w.values.push((result.data as any).transactionStatusChanged);
      },
      error: (error) => {
        w.error = error;
      },
      complete: () => {
        w.completed = true;
      },
    },
  );
  return w;
}

/** Subscribe and wait until the server registered the bus subscription. */
async function watchRegistered(client: Client, variables: Record<string, unknown>): Promise<Watch> {
  const before = subscriberCount();
  const w = watch(client, variables);
  await until(() => subscriberCount() > before || w.error !== undefined, 'the subscription to be registered');
  expect(w.error).toBeUndefined();
  return w;
}

function pay(practiceId: string, amount: string) {
  const smile = practiceId === SMILE;
  return t.gql(PAY, {
    input: {
      practiceId,
      patientId: smile ? NEX_SEED.ownGuarantor.ownId : NEX_SEED.dentrixPatientId,
      amount,
      paymentTypeId: smile ? NEX_SEED.paymentTypes.openDental.cash : NEX_SEED.paymentTypes.dentrix.cash,
      idempotencyKey: `e2e-sub-${++keySeq}`,
    },
  });
}

describe('transactionStatusChanged over graphql-ws', () => {
  it('emits the current state, then SUBMITTED and COMPLETED (with its records) for one transaction', async () => {
    const client = connect(KEYS.all);
    const practiceWide = await watchRegistered(client, { practiceId: SMILE });

    let open!: () => void;
    gate = new Promise<void>((resolve) => (open = resolve));
    const mutation = pay(SMILE, '41.00');
    // The stored row is announced before its submit: that is how a client learns the id early.
    await until(() => practiceWide.values.length > 0, 'the stored transaction to be announced');
    const transactionId = practiceWide.values[0].transactionId as string;
    expect(practiceWide.values[0].status).toBe('PENDING');

    const one = await watchRegistered(client, { practiceId: SMILE, transactionId });
    // The current state first: still PENDING, held at the gate.
    await until(() => one.values.length >= 1, 'the current state');
    expect(one.values[0]).toMatchObject({ transactionId, status: 'PENDING' });
    gate = null;
    open();
    const { data, errors } = await mutation;
    expect(errors).toBeUndefined();
    expect(data.createPaymentTransaction.transaction).toEqual({ transactionId, status: 'SUBMITTED' });
    await until(() => one.values.length >= 2, 'SUBMITTED');
    expect(one.values[1]).toMatchObject({
      transactionId,
      status: 'SUBMITTED',
      kind: 'PAYMENT',
      amount: { cents: -4100 },
      records: [],
    });

    await t.nex.completePendingInsertions();
    await until(() => one.values.length >= 3, 'COMPLETED');
    expect(one.values[2]).toMatchObject({
      transactionId,
      status: 'COMPLETED',
      failureReason: null,
      records: [{ __typename: 'Payment', transactionId, amount: { cents: -4100 } }],
    });
    await until(() => practiceWide.statuses(transactionId).length >= 3, 'the practice-wide COMPLETED');
    expect(one.statuses()).toEqual(['PENDING', 'SUBMITTED', 'COMPLETED']);
    expect(practiceWide.statuses(transactionId)).toEqual(['PENDING', 'SUBMITTED', 'COMPLETED']);
    expect(one.error).toBeUndefined();
  });

  it('emits FAILED with the reason', async () => {
    const client = connect(KEYS.all);
    const practiceWide = await watchRegistered(client, { practiceId: SMILE });
    const { data } = await pay(SMILE, '42.00');
    const transactionId = data.createPaymentTransaction.transaction.transactionId;
    t.nex.failNextInsertion('Patient is locked in the EHR');
    await t.nex.completePendingInsertions();
    await until(() => practiceWide.statuses(transactionId).includes('FAILED'), 'FAILED');
    const failed = practiceWide.values.find((v) => v.transactionId === transactionId && v.status === 'FAILED');
    expect(failed.failureReason).toContain('Patient is locked in the EHR');
    expect(failed.records).toEqual([]);
  });

  it('the practice-wide form emits every transaction of that practice, and only of that practice, each status once', async () => {
    const client = connect(KEYS.all);
    const smile = await watchRegistered(client, { practiceId: SMILE });
    const dentrix = await watchRegistered(client, { practiceId: DENTRIX });

    const ids: Record<string, string[]> = { [SMILE]: [], [DENTRIX]: [] };
    for (const [practiceId, amount] of [
      [DENTRIX, '1.00'],
      [SMILE, '2.00'],
      [SMILE, '3.00'],
      [DENTRIX, '4.00'],
    ] as const) {
      const { data, errors } = await pay(practiceId, amount);
      expect(errors).toBeUndefined();
      ids[practiceId]!.push(data.createPaymentTransaction.transaction.transactionId);
    }
    await t.nex.completePendingInsertions();
    const allCompleted = (w: Watch, list: string[]) => list.every((id) => w.statuses(id).includes('COMPLETED'));
    await until(() => allCompleted(smile, ids[SMILE]!) && allCompleted(dentrix, ids[DENTRIX]!), 'every COMPLETED');

    expect(new Set(smile.values.map((v) => v.transactionId))).toEqual(new Set(ids[SMILE]));
    expect(new Set(dentrix.values.map((v) => v.transactionId))).toEqual(new Set(ids[DENTRIX]));
    for (const [w, list] of [
      [smile, ids[SMILE]!],
      [dentrix, ids[DENTRIX]!],
    ] as const) {
      for (const id of list) {
        // Each status change once, in order (a notification re-read after a later change is not repeated).
        const statuses = w.statuses(id);
        expect(new Set(statuses).size, `${id}: ${statuses.join(' → ')}`).toBe(statuses.length);
        expect(statuses.at(-1)).toBe('COMPLETED');
        expect(statuses.filter((s) => s !== 'PENDING')).toEqual(['SUBMITTED', 'COMPLETED']);
      }
    }
  });

  it('emits a status once even when its notification is repeated or read after a later change', async () => {
    const { data } = await pay(SMILE, '5.00');
    const stale = data.createPaymentTransaction.transaction.transactionId as string;
    await t.nex.completePendingInsertions();

    const practiceWide = await watchRegistered(connect(KEYS.all), { practiceId: SMILE });
    // Notifications are hints to re-read the store: a late or repeated one must not repeat a status.
    for (let i = 0; i < 3; i++) await t.gateway.services.bus.publish({ practiceId: SMILE, transactionId: stale });
    const fresh = (await pay(SMILE, '6.00')).data.createPaymentTransaction.transaction.transactionId as string;
    await until(() => practiceWide.statuses(fresh).includes('SUBMITTED'), 'the next transaction');
    // The bus is FIFO per subscriber: every hint about `stale` was handled before `fresh` showed up.
    expect(practiceWide.statuses(stale)).toEqual(['COMPLETED']);
    await t.nex.completePendingInsertions();
    await until(() => practiceWide.statuses(fresh).includes('COMPLETED'), 'COMPLETED');
    expect(practiceWide.statuses(stale)).toEqual(['COMPLETED']);
  });

  it('sends the current state first: subscribing right after the only change still shows it', async () => {
    const { data } = await pay(SMILE, '43.00');
    const transactionId = data.createPaymentTransaction.transaction.transactionId as string;
    await t.nex.completePendingInsertions();
    const query = /* GraphQL */ `query Tx($p: ID!, $t: ID!) { transaction(practiceId: $p, transactionId: $t) { status } }`;
    await until(
      async () => (await t.gql(query, { p: SMILE, t: transactionId })).data?.transaction?.status === 'COMPLETED',
      'COMPLETED',
    );

    // The write is final: no change will ever be published again. The first event is its state.
    const one = watch(connect(KEYS.all), { practiceId: SMILE, transactionId });
    await until(() => one.values.length >= 1 || one.error !== undefined, 'the current state');
    expect(one.error).toBeUndefined();
    expect(one.values[0]).toMatchObject({
      transactionId,
      status: 'COMPLETED',
      records: [{ __typename: 'Payment', transactionId, amount: { cents: -4300 } }],
    });
    // A late hint about it (re-read: the same state) repeats nothing.
    await t.gateway.services.bus.publish({ practiceId: SMILE, transactionId });
    const next = (await pay(SMILE, '44.00')).data.createPaymentTransaction.transaction.transactionId as string;
    const wide = await watchRegistered(connect(KEYS.all), { practiceId: SMILE });
    await t.nex.completePendingInsertions();
    // The practice-wide form starts from changes after subscribing: no initial events for old rows.
    await until(() => wide.statuses(next).includes('COMPLETED'), 'the next transaction to complete');
    expect(wide.statuses(transactionId)).toEqual([]);
    expect(one.statuses()).toEqual(['COMPLETED']);
  });

  it('refuses a bad or missing key at connection_init', async () => {
    for (const key of ['not-a-valid-key', null]) {
      const before = subscriberCount();
      const w = watch(connect(key), { practiceId: SMILE });
      await until(() => w.error !== undefined, 'the connection to be refused');
      expect((w.error as { code?: number }).code).toBe(4403);
      expect(w.values).toEqual([]);
      expect(subscriberCount()).toBe(before);
    }
  });

  it('answers FORBIDDEN for a practice outside the key, without subscribing', async () => {
    const before = subscriberCount();
    const w = watch(connect(KEYS.smile), { practiceId: DENTRIX });
    await until(() => w.error !== undefined, 'the refusal');
    expect((w.error as any[])[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(subscriberCount()).toBe(before);

    // The same key may follow its own practice.
    const own = await watchRegistered(connect(KEYS.smile), { practiceId: SMILE });
    expect(own.error).toBeUndefined();
  });

  it('releases the bus subscription on unsubscribe and on disconnect', async () => {
    const baseline = subscriberCount();
    const client = connect(KEYS.all);
    const first = await watchRegistered(client, { practiceId: SMILE });
    const second = await watchRegistered(client, { practiceId: SMILE, transactionId: 'LG:424242' });
    expect(subscriberCount()).toBe(baseline + 2);

    first.unsubscribe();
    await until(() => subscriberCount() === baseline + 1, 'the unsubscribe to release its bus subscription');
    expect(second.completed).toBe(false);

    await client.dispose();
    await until(() => subscriberCount() === baseline, 'the disconnect to release the rest');
  });
});
