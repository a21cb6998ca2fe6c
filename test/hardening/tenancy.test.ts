/**
 * The tenancy matrix, generated from the executable schema: every root field that takes a practice
 * (a `practiceId` argument or `input.practiceId`), plus `practice(id:)`, is called with a key limited
 * to smile-dental against every other practice (and one that does not exist) with minimal valid-looking
 * arguments built from the argument types. Each call must be FORBIDDEN, leak no data, write nothing,
 * and ask no upstream anything. A root field the matrix cannot classify fails the test, so a new root
 * is covered (or noticed) the day it is added.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSchema } from '../../src/graphql/schema';
import { encodeGlobalId, type NodeType } from '../../src/graphql/global-id';
import { KEYS, startTestGateway, type TestGateway } from '../e2e/harness';
import { operationFor, takesPractice } from './schema-args';
import { NEX_SEED } from '../../src/sandbox/nexhealth';
import { wsCodes, wsOnce } from './ws';

const NEX_DENTRIX_PATIENT = NEX_SEED.dentrixPatientId;

const FOREIGN = ['northside', 'bright-dentrix', 'lakeside', 'no-such-practice'] as const;
const FOREIGN_NAMES = ['Northside Clinic', 'Bright Family Dentistry', 'Lakeside Family Practice'];
const NODE_TYPES: NodeType[] = [
  'Practice',
  'Patient',
  'Guarantor',
  'Charge',
  'Payment',
  'Adjustment',
  'Claim',
  'Provider',
  'LedgerTransaction',
];

/** Root fields whose credential is a pay-page token (src/flows/collection/pay-page-access.ts). */
const TOKEN_SCOPED = new Set(['paymentPage', 'paymentPageChanged']);

let t: TestGateway;
const schema = createSchema();

beforeAll(async () => {
  t = await startTestGateway();
});
afterAll(async () => {
  await t?.close();
});

interface Case {
  root: 'query' | 'mutation' | 'subscription';
  field: string;
  practiceId: string;
  query: string;
  variables: Record<string, unknown>;
}

function matrix(): { cases: Case[]; unclassified: string[] } {
  const cases: Case[] = [];
  const unclassified: string[] = [];
  const roots = [
    ['query', schema.getQueryType()],
    ['mutation', schema.getMutationType()],
    ['subscription', schema.getSubscriptionType()],
  ] as const;
  for (const [root, type] of roots) {
    for (const field of Object.values(type?.getFields() ?? {})) {
      const scoped = takesPractice(field);
      const byId = root === 'query' && field.name === 'practice';
      if (root === 'query' && (field.name === 'practices' || field.name === 'node')) continue; // own tests below
      // Federation: `_entities` takes global ids like `node` (own test below); `_service` is the
      // schema's SDL, which the operation guard treats as introspection (test/federation/).
      if (root === 'query' && (field.name === '_entities' || field.name === '_service')) continue;
      // The pay page's roots take a token, not a practice: what it opens is tested below.
      if (TOKEN_SCOPED.has(field.name)) continue;
      if (!scoped && !byId) {
        unclassified.push(`${root}.${field.name}`);
        continue;
      }
      for (const practiceId of FOREIGN) {
        for (const all of [false, true]) {
          const op = operationFor(root, field, practiceId, {
            all,
            argValue: (arg) => (byId && arg.name === 'id' ? practiceId : undefined),
          });
          cases.push({ root, field: field.name, practiceId, ...op });
        }
      }
    }
  }
  return { cases, unclassified };
}

const { cases, unclassified } = matrix();

function upstreamCounts() {
  return { nex: t.nex.requests.length, athena: t.athena.requests.length };
}

async function storeRows() {
  const counts: Record<string, number> = {};
  for (const id of FOREIGN) counts[id] = (await t.gateway.store.listByPractice(id)).length;
  return counts;
}

describe('tenancy matrix (generated from the schema)', () => {
  it('classifies every root field', () => {
    expect(unclassified).toEqual([]);
    // Queries patient/guarantor/transaction/practice, 3 mutations, 1 subscription; × 4 practices × 2 arg shapes.
    expect(cases.length).toBeGreaterThanOrEqual(8 * FOREIGN.length * 2);
    console.info(
      `tenancy matrix: ${cases.length} generated cases (${new Set(cases.map((c) => c.field)).size} root fields × ${FOREIGN.length} practices × 2 argument shapes) + ${NODE_TYPES.length * 3 + 2} node ids + auth checks`,
    );
  });

  it.each(
    cases
      .filter((c) => c.root !== 'subscription')
      .map(
        (c) => [`${c.root} ${c.field} → ${c.practiceId}${Object.keys(c.variables).length > 2 ? ' (all args)' : ''}`, c] as const,
      ),
  )('%s is FORBIDDEN, leaks nothing, writes nothing and asks no upstream', async (_name, c) => {
    const before = upstreamCounts();
    const rowsBefore = await storeRows();
    const response = await fetch(`${t.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${KEYS.smile}` },
      body: JSON.stringify({ query: c.query, variables: c.variables }),
    });
    const text = await response.text();
    const body = JSON.parse(text) as {
      data?: Record<string, unknown> | null;
      errors?: Array<{ extensions?: { code?: string } }>;
    };
    expect(
      body.errors?.map((e) => e.extensions?.code),
      text,
    ).toEqual(['FORBIDDEN']);
    expect(body.data?.[c.field] ?? null).toBeNull();
    for (const name of FOREIGN_NAMES) expect(text).not.toContain(name);
    expect(upstreamCounts()).toEqual(before);
    expect(await storeRows()).toEqual(rowsBefore);
  });

  it.each(cases.filter((c) => c.root === 'subscription').map((c) => [`${c.field} → ${c.practiceId}`, c] as const))(
    'subscription %s over graphql-ws is refused with FORBIDDEN',
    async (_name, c) => {
      const before = upstreamCounts();
      const outcome = await wsOnce(t.url, KEYS.smile, c.query, c.variables, 2000);
      expect(wsCodes(outcome)).toEqual(['FORBIDDEN']);
      expect(outcome.results.every((r) => r.data == null)).toBe(true);
      expect(upstreamCounts()).toEqual(before);
    },
  );

  it('practices lists only smile-dental', async () => {
    const { data, errors } = await t.gql('{ practices { id name } }', {}, KEYS.smile);
    expect(errors).toBeUndefined();
    expect(data.practices.map((p: { id: string }) => p.id)).toEqual(['smile-dental']);
  });

  it('node(id:) of every type of a foreign practice is FORBIDDEN, without an upstream call', async () => {
    const before = upstreamCounts();
    const ids = [
      ...NODE_TYPES.flatMap((type) =>
        ['northside', 'bright-dentrix', 'no-such-practice'].map((p) => encodeGlobalId(type, p, ['1', '2'])),
      ),
      'northside', // a practice's id is its config id
      'bright-dentrix',
    ];
    for (const id of ids) {
      const { data, errors } = await t.gql('query ($id: ID!) { node(id: $id) { id __typename } }', { id }, KEYS.smile);
      expect(
        errors?.map((e) => e.extensions?.code),
        id,
      ).toEqual(['FORBIDDEN']);
      expect(data?.node ?? null).toBeNull();
    }
    expect(upstreamCounts()).toEqual(before);
  });

  it('_entities (federation) of every entity type of a foreign practice is FORBIDDEN on its path, without an upstream call', async () => {
    const before = upstreamCounts();
    const entityTypes: NodeType[] = ['Patient', 'Guarantor', 'Charge', 'Claim', 'LedgerTransaction'];
    const query = `query ($representations: [_Any!]!) { _entities(representations: $representations) {
      __typename ... on Patient { id firstName } ... on Guarantor { id } ... on Charge { id } ... on Claim { id } ... on LedgerTransaction { id }
    } }`;
    for (const type of entityTypes) {
      for (const practiceId of ['northside', 'bright-dentrix', 'no-such-practice']) {
        // Also a reference whose __typename differs from its id's type: still FORBIDDEN, never a probe.
        for (const typename of [type, type === 'Patient' ? 'Guarantor' : 'Patient']) {
          const id = encodeGlobalId(type, practiceId, ['1', '2']);
          const response = await fetch(`${t.url}/graphql`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization: `Bearer ${KEYS.smile}` },
            body: JSON.stringify({ query, variables: { representations: [{ __typename: typename, id }] } }),
          });
          const text = await response.text();
          const body = JSON.parse(text) as {
            data?: { _entities?: unknown[] } | null;
            errors?: Array<{ path?: unknown[]; extensions?: { code?: string } }>;
          };
          expect(
            body.errors?.map((e) => e.extensions?.code),
            text,
          ).toEqual(['FORBIDDEN']);
          expect(body.errors?.[0]?.path, text).toEqual(['_entities', 0]);
          expect(body.data?._entities ?? [null]).toEqual([null]);
          for (const name of FOREIGN_NAMES) expect(text).not.toContain(name);
        }
      }
    }
    expect(upstreamCounts()).toEqual(before);
  });

  it('a foreign practice reached through a nested field of an allowed root is impossible (ids are scoped)', async () => {
    // transaction(...) of a foreign practice with a real transaction id created by the all-practices key.
    const created = await t.gql(
      `mutation ($input: CreatePaymentTransactionInput!) { createPaymentTransaction(input: $input) { transaction { transactionId } } }`,
      {
        input: {
          practiceId: 'bright-dentrix',
          patientId: '1',
          amount: '1.00',
          paymentTypeId: '1',
          idempotencyKey: `tenancy-real-${Date.now()}`,
        },
      },
      KEYS.all,
    );
    const transactionId = created.data?.createPaymentTransaction?.transaction?.transactionId ?? 'LG:1';
    const r = await t.gql(
      'query ($id: ID!) { transaction(practiceId: "bright-dentrix", transactionId: $id) { transactionId status } }',
      { id: transactionId },
      KEYS.smile,
    );
    expect(r.errors?.map((e) => e.extensions?.code)).toEqual(['FORBIDDEN']);
    expect(r.data?.transaction ?? null).toBeNull();
    const viaNode = await t.gql(
      'query ($id: ID!) { node(id: $id) { id } }',
      { id: encodeGlobalId('LedgerTransaction', 'bright-dentrix', [transactionId]) },
      KEYS.smile,
    );
    expect(viaNode.errors?.map((e) => e.extensions?.code)).toEqual(['FORBIDDEN']);
  });
});

describe('authentication and introspection', () => {
  const introspection = '{ __schema { queryType { name } } }';

  it('no key → 401 UNAUTHENTICATED; a wrong key → 401', async () => {
    for (const key of [null, 'wrong-key-wrong-key-wrong-key-00', `${KEYS.smile}x`, KEYS.smile.slice(0, -1)]) {
      const r = await t.gql('{ practices { id } }', {}, key);
      expect(r.status, String(key)).toBe(401);
      expect(r.errors?.map((e) => e.extensions?.code)).toEqual(['UNAUTHENTICATED']);
      expect(r.data ?? null).toBeNull();
    }
    for (const header of ['Basic abc', 'Bearer', `bearer  ${KEYS.smile} extra`, `Token ${KEYS.smile}`]) {
      const response = await fetch(`${t.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: header },
        body: JSON.stringify({ query: '{ practices { id } }' }),
      });
      expect(response.status, header).toBe(401);
    }
  });

  it('introspection: FORBIDDEN for a key with introspection off, allowed for a normal key, 401 without a key', async () => {
    const quiet = await t.gql(introspection, {}, KEYS.noIntrospection);
    expect(quiet.errors?.map((e) => e.extensions?.code)).toEqual(['FORBIDDEN']);
    expect(quiet.data?.__schema ?? null).toBeNull();
    const quietType = await t.gql('{ __type(name: "Patient") { name } }', {}, KEYS.noIntrospection);
    expect(quietType.errors?.map((e) => e.extensions?.code)).toEqual(['FORBIDDEN']);
    const normal = await t.gql(introspection, {}, KEYS.smile);
    expect(normal.errors).toBeUndefined();
    expect(normal.data.__schema.queryType.name).toBe('Query');
    const anonymous = await t.gql(introspection, {}, null);
    expect(anonymous.status).toBe(401);
    expect(anonymous.errors?.map((e) => e.extensions?.code)).toEqual(['UNAUTHENTICATED']);
  });

  it('introspection over graphql-ws obeys the key too', async () => {
    const quiet = await wsOnce(t.url, KEYS.noIntrospection, introspection);
    expect(wsCodes(quiet)).toEqual(['FORBIDDEN']);
    const normal = await wsOnce(t.url, KEYS.smile, introspection);
    expect(wsCodes(normal)).toEqual([]);
    expect(normal.results[0]?.data).toEqual({ __schema: { queryType: { name: 'Query' } } });
  });

  it('a websocket without a valid key is closed 4403 before any operation', async () => {
    for (const key of [null, 'wrong-key-wrong-key-wrong-key-00']) {
      const outcome = await wsOnce(
        t.url,
        key,
        'subscription { transactionStatusChanged(practiceId: "smile-dental") { transactionId } }',
      );
      expect(outcome.closeCode, String(key)).toBe(4403);
      expect(outcome.results).toEqual([]);
    }
  });
});

describe('pay-page tokens: one checkout, nothing else', () => {
  const CREATE = `mutation Create($input: CreateCheckoutInput!) {
    createCheckout(input: $input) { transaction { checkout { payPageUrl url } } } }`;
  const PAGE = `query Page($token: String!) { paymentPage(token: $token) { practiceName amount { cents } checkoutUrl } }`;

  it('what a token reaches is closed: PaymentPage, its lines and Money, no id, no way to another object', () => {
    const reachable = new Set<string>();
    const visit = (name: string) => {
      if (reachable.has(name)) return;
      reachable.add(name);
      const type = schema.getType(name);
      if (type && 'getFields' in type) {
        for (const field of Object.values((type as { getFields(): Record<string, { type: unknown }> }).getFields())) {
          visit(String(field.type).replace(/[[\]!]/g, ''));
        }
      }
    };
    for (const root of TOKEN_SCOPED) {
      const field = schema.getQueryType()!.getFields()[root] ?? schema.getSubscriptionType()!.getFields()[root]!;
      expect(field.args.map((a) => `${a.name}: ${a.type}`)).toEqual(['token: String!']);
      visit(String(field.type).replace(/[[\]!]/g, ''));
    }
    const objects = [...reachable].filter((name) => schema.getType(name) && 'getFields' in schema.getType(name)!);
    expect(objects.sort()).toEqual(['Money', 'PaymentPage', 'PaymentPageLine']);
    const fields = Object.keys((schema.getType('PaymentPage') as { getFields(): object }).getFields()).sort();
    expect(fields).toEqual(
      ['amount', 'checkoutUrl', 'expiresAt', 'lines', 'paidAt', 'patientFirstName', 'posting', 'practiceName', 'status'].sort(),
    );
  });

  it("each token opens its own practice's checkout only, whatever key (or none) comes with it; upstream untouched", async () => {
    const made = [];
    for (const [practiceId, patientId, amount] of [
      ['smile-dental', '1029', '10.00'],
      ['bright-dentrix', NEX_DENTRIX_PATIENT, '20.00'],
    ] as const) {
      const r = await t.gql(CREATE, { input: { practiceId, patientId, amount, idempotencyKey: `tenancy-pay-${practiceId}` } });
      expect(r.errors).toBeUndefined();
      made.push({ practiceId, amount, ...r.data.createCheckout.transaction.checkout });
    }
    const before = upstreamCounts();
    for (const { payPageUrl, url, amount } of made) {
      const token = payPageUrl.split('/pay/')[1];
      for (const key of [null, KEYS.smile, KEYS.all]) {
        const r = await t.gql(PAGE, { token }, key);
        expect(r.errors, String(key)).toBeUndefined();
        expect(r.data.paymentPage.amount.cents).toBe(Math.round(Number(amount) * 100));
        expect(r.data.paymentPage.checkoutUrl).toBe(url);
      }
    }
    // A token never widens a key: with the smile-only key, bright-dentrix stays FORBIDDEN.
    const foreign = await t.gql('{ practice(id: "bright-dentrix") { id } }', {}, KEYS.smile);
    expect(foreign.errors?.map((e) => e.extensions?.code)).toEqual(['FORBIDDEN']);
    expect(upstreamCounts()).toEqual(before);
  });
});
