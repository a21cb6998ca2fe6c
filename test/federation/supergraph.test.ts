/**
 * The gateway as one subgraph of a team's supergraph (issue #19, README "Federation"). Everything
 * runs in this process on 127.0.0.1: the gateway (with both vendor sandboxes), a small second
 * subgraph ("care", a `buildSubgraphSchema` server on port 0 that extends `Patient @key(fields: "id")`
 * with `carePlan`), composition with @theguild/federation-composition from the SDL each subgraph
 * serves at `_service { sdl }`, and a router built from the supergraph by @graphql-tools/federation
 * that forwards the client's API key to the gateway as its Authorization header. Every request the
 * router sends is recorded, and must go to 127.0.0.1.
 *
 * Entity references are fetched both ways (router → gateway `_entities` for Patient fields of a care
 * plan; router → care `_entities` for `carePlan` of a gateway patient), a foreign practice's
 * reference is FORBIDDEN at its path and never data, `_service`/`_entities` obey the operation guard
 * (introspection per key, cost), and a batch of 100 references costs a handful of upstream calls.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { getStitchedSchemaFromSupergraphSdl } from '@graphql-tools/federation';
import { composeServices } from '@theguild/federation-composition';
import { execute, graphql, parse, type ExecutionResult, type GraphQLSchema } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeGlobalId } from '../../src/graphql/global-id';
import { KEYS, requestKeys, startTestGateway, type TestGateway } from '../e2e/harness';
import { wsCodes, wsOnce } from '../hardening/ws';

const CARE_SDL = /* GraphQL */ `
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])

  type Patient @key(fields: "id") {
    id: ID!
    carePlan: CarePlan
  }

  type CarePlan {
    title: String!
    patient: Patient!
  }

  type Query {
    "The care plans of the given patients (by the ledger's global ids)."
    carePlans(patientIds: [ID!]!): [CarePlan!]!
  }
`;

/** The second subgraph: a care plan for every patient id, made up from the id. */
function careSchema(): GraphQLSchema {
  const plan = (id: string) => ({ title: `plan for ${id.slice(-6)}`, patient: { id } });
  return buildSubgraphSchema({
    typeDefs: parse(CARE_SDL),
    resolvers: {
      Query: { carePlans: (_root: unknown, { patientIds }: { patientIds: string[] }) => patientIds.map(plan) },
      Patient: {
        __resolveReference: (reference: { id: string }) => ({ id: reference.id }),
        carePlan: (patient: { id: string }) => ({ title: plan(patient.id).title }),
      },
    } as never,
  });
}

interface Received {
  query: string;
  variables?: Record<string, unknown>;
  authorization?: string;
}

/** A minimal GraphQL-over-HTTP server for a schema, on 127.0.0.1 port 0; logs what it receives. */
async function serveSubgraph(schema: GraphQLSchema): Promise<{ url: string; received: Received[]; close(): Promise<void> }> {
  const received: Received[] = [];
  const server: Server = createServer(async (req, res) => {
    let text = '';
    for await (const chunk of req) text += chunk;
    const body = JSON.parse(text) as { query: string; variables?: Record<string, unknown> };
    received.push({ ...body, authorization: req.headers.authorization });
    const result = await graphql({ schema, source: body.query, variableValues: body.variables });
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(result));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/graphql`,
    received,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

let t: TestGateway;
let care: Awaited<ReturnType<typeof serveSubgraph>>;
let router: GraphQLSchema;
/** Every request the router sent, by URL. */
const routed: Array<{ url: string; body: string }> = [];

/** A query through the router, as a client of the supergraph holding `key`. */
async function viaRouter(query: string, variables: Record<string, unknown> = {}, key: string = KEYS.smile) {
  return (await execute({
    schema: router,
    document: parse(query),
    variableValues: variables,
    contextValue: { authorization: `Bearer ${key}` },
  })) as ExecutionResult<any>;
}

function upstreamCount() {
  return t.nex.requests.length + t.athena.requests.length;
}

beforeAll(async () => {
  t = await startTestGateway();
  care = await serveSubgraph(careSchema());
  // "Point composition at the gateway": its subgraph SDL as it serves it, read with an API key.
  const served = await t.gql('{ _service { sdl } }', {}, KEYS.smile);
  expect(served.errors).toBeUndefined();
  const careSdl = (await graphql({ schema: careSchema(), source: '{ _service { sdl } }' })).data?._service as { sdl: string };
  const composed = composeServices([
    { name: 'ledger', typeDefs: parse(served.data._service.sdl), url: `${t.url}/graphql` },
    { name: 'care', typeDefs: parse(careSdl.sdl), url: care.url },
  ]);
  if (!composed.supergraphSdl) throw new Error(`composition failed: ${(composed.errors ?? []).map((e) => e.message).join('; ')}`);
  router = getStitchedSchemaFromSupergraphSdl({
    supergraphSdl: composed.supergraphSdl,
    httpExecutorOpts: {
      // The client's key, forwarded to every subgraph as its Authorization header.
      headers: (request) => ({
        authorization: (request?.context as { authorization?: string } | undefined)?.authorization ?? '',
      }),
      fetch: ((url: string, init?: RequestInit) => {
        routed.push({ url: String(url), body: String(init?.body ?? '') });
        if (new URL(String(url)).hostname !== '127.0.0.1') throw new Error(`the router tried to leave the machine: ${url}`);
        return fetch(url, init);
      }) as never,
    },
  });
});
afterAll(async () => {
  await care?.close();
  await t?.close();
});

/** Global ids of smile-dental's patients, as the gateway issues them. */
async function smilePatientIds(): Promise<string[]> {
  const r = await t.gql('{ practice(id: "smile-dental") { patients(first: 100) { nodes { id } } } }', {}, KEYS.smile);
  expect(r.errors).toBeUndefined();
  return r.data.practice.patients.nodes.map((p: { id: string }) => p.id);
}

describe('the gateway as a Federation 2 subgraph', () => {
  it('serves a subgraph SDL that links Federation 2 and keys the five entity types by id', async () => {
    const { data, errors } = await t.gql('{ _service { sdl } }', {}, KEYS.smile);
    expect(errors).toBeUndefined();
    const sdl: string = data._service.sdl;
    expect(sdl).toMatch(/@link\(url: "https:\/\/specs\.apollo\.dev\/federation\/v2\.\d+"/);
    for (const type of ['Patient', 'Guarantor', 'Charge', 'Claim', 'LedgerTransaction']) {
      expect(sdl).toMatch(new RegExp(`(type|extend type) ${type}[^{]*@key\\(fields: "id"\\)`));
    }
    expect(sdl).toMatch(/Money[^{]*@shareable/);
  });

  it('a supergraph query crosses both subgraphs: the gateway resolves Patient, the care subgraph adds carePlan', async () => {
    const before = care.received.length;
    const r = await viaRouter(`{
      patient(practiceId: "smile-dental", patientId: "1002") { id firstName balance { total { amount } } carePlan { title } }
    }`);
    expect(r.errors).toBeUndefined();
    expect(r.data.patient.firstName).toBe('Diego');
    expect(r.data.patient.balance.total.amount).toMatch(/^-?\d+\.\d\d$/);
    expect(r.data.patient.carePlan).toEqual({ title: `plan for ${r.data.patient.id.slice(-6)}` });
    // The care subgraph was asked for the entity by the gateway's id (router → care `_entities`).
    const asked = care.received.slice(before);
    expect(asked.some((q) => q.query.includes('_entities') && JSON.stringify(q.variables).includes(r.data.patient.id))).toBe(
      true,
    );
    expect(routed.every((request) => request.url.startsWith('http://127.0.0.1:'))).toBe(true);
  });

  it('the other direction: care plans resolve their Patient through the gateway _entities, with the key forwarded', async () => {
    const ids = (await smilePatientIds()).slice(0, 3);
    const routedBefore = routed.length;
    const r = await viaRouter(
      'query ($ids: [ID!]!) { carePlans(patientIds: $ids) { title patient { id firstName balance { total { amount } } } } }',
      {
        ids,
      },
    );
    expect(r.errors).toBeUndefined();
    expect(r.data.carePlans.map((p: { patient: { id: string } }) => p.patient.id)).toEqual(ids);
    for (const plan of r.data.carePlans) expect(plan.patient.firstName).toEqual(expect.any(String));
    const toGateway = routed.slice(routedBefore).filter((request) => request.url === `${t.url}/graphql`);
    expect(toGateway.length).toBe(1); // one _entities call for the three references
    expect(toGateway[0]!.body).toContain('_entities');
  });

  it('a foreign practice refused: its reference is FORBIDDEN at its path, never data, no upstream call', async () => {
    const [own] = await smilePatientIds();
    const foreign = encodeGlobalId('Patient', 'bright-dentrix', ['1']);
    const before = upstreamCount();
    const viaGateway = await t.gql(
      'query ($r: [_Any!]!) { _entities(representations: $r) { ... on Patient { id firstName } } }',
      { r: [{ __typename: 'Patient', id: foreign }] },
      KEYS.smile,
    );
    expect(viaGateway.errors?.map((e) => [e.extensions?.code, e.path])).toEqual([['FORBIDDEN', ['_entities', 0]]]);
    expect(viaGateway.data?._entities).toEqual([null]);
    expect(upstreamCount()).toBe(before);

    // Through the router, mixed with an allowed reference: the allowed one is data, the foreign one an error.
    const r = await viaRouter('query ($ids: [ID!]!) { carePlans(patientIds: $ids) { title patient { id firstName } } }', {
      ids: [own, foreign],
    });
    expect(r.errors?.map((e) => e.extensions?.code)).toContain('FORBIDDEN');
    expect(JSON.stringify(r.data ?? null)).not.toContain('Bright');
    const plans = (r.data?.carePlans ?? []) as Array<{ patient: { id: string; firstName: string } } | null>;
    expect(plans.some((p) => p?.patient?.id === foreign && p.patient.firstName)).toBe(false);

    // The all-practices key may fetch the same reference.
    const allowed = await t.gql(
      'query ($r: [_Any!]!) { _entities(representations: $r) { ... on Patient { id } } }',
      { r: [{ __typename: 'Patient', id: foreign }] },
      KEYS.all,
    );
    expect(allowed.errors).toBeUndefined();
  });

  it('a reference that is not a gateway id, or whose id names another type, is BAD_USER_INPUT', async () => {
    const [own] = await smilePatientIds();
    const r = await t.gql(
      'query ($r: [_Any!]!) { _entities(representations: $r) { ... on Charge { id } } }',
      {
        r: [
          { __typename: 'Patient', id: 'not-an-id' },
          { __typename: 'Charge', id: own },
        ],
      },
      KEYS.smile,
    );
    expect(r.errors?.map((e) => [e.extensions?.code, e.path])).toEqual([
      ['BAD_USER_INPUT', ['_entities', 0]],
      ['BAD_USER_INPUT', ['_entities', 1]],
    ]);
  });

  it('_service is schema disclosure: refused like introspection for a key without it, and without a key', async () => {
    const quiet = await t.gql('{ _service { sdl } }', {}, KEYS.noIntrospection);
    expect(quiet.errors?.map((e) => e.extensions?.code)).toEqual(['FORBIDDEN']);
    expect(quiet.data?._service ?? null).toBeNull();
    const anonymous = await t.gql('{ _service { sdl } }', {}, null);
    expect(anonymous.status).toBe(401);
    // The same guard over graphql-ws.
    expect(wsCodes(await wsOnce(t.url, KEYS.noIntrospection, '{ _service { sdl } }'))).toEqual(['FORBIDDEN']);
    // _entities itself is data, not schema: allowed for that key (its practices are checked per reference).
    const entities = await t.gql(
      'query ($r: [_Any!]!) { _entities(representations: $r) { __typename } }',
      { r: [] },
      KEYS.noIntrospection,
    );
    expect(entities.errors).toBeUndefined();
  });

  it('_entities is costed per representation: a batch too large for maxCost is refused before it runs', async () => {
    const [own] = await smilePatientIds();
    const selection =
      '... on Patient { id charges { fee { amount } patientAmount { amount } provider { name } procedure { code } } }';
    const before = upstreamCount();
    const huge = await t.gql(
      `query ($r: [_Any!]!) { _entities(representations: $r) { ${selection} } }`,
      { r: Array.from({ length: 1000 }, () => ({ __typename: 'Patient', id: own })) },
      KEYS.smile,
    );
    expect(huge.errors?.map((e) => e.extensions?.code)).toEqual(['QUERY_TOO_COMPLEX']);
    expect(huge.errors?.[0]?.extensions?.limit).toBe('maxCost');
    expect(upstreamCount()).toBe(before);
  });

  it('a batch of 100 references costs a handful of upstream calls (the request loaders, batched)', async () => {
    // 100 distinct Charge references, across the practice's patients: the charges loader batches
    // every patient into one adapter call, which NexHealth answers with one location-wide scan.
    const all = await t.gql(
      '{ practice(id: "smile-dental") { patients(first: 100) { nodes { charges { id } } } } }',
      {},
      KEYS.smile,
    );
    expect(all.errors).toBeUndefined();
    const chargeIds: string[] = all.data.practice.patients.nodes.flatMap((p: { charges: Array<{ id: string }> }) =>
      p.charges.map((c) => c.id),
    );
    expect(chargeIds.length).toBeGreaterThanOrEqual(100);
    const chargeRefs = chargeIds.slice(0, 100).map((id) => ({ __typename: 'Charge', id }));
    t.nex.resetRequestLog();
    t.athena.resetRequestLog();
    const c = await t.gql(
      // (patientAmount would add NexHealth's per-patient claim reads: see the Patient batch below.)
      'query ($r: [_Any!]!) { _entities(representations: $r) { ... on Charge { id sourceId fee { amount } serviceDate } } }',
      { r: chargeRefs },
      KEYS.smile,
    );
    expect(c.errors).toBeUndefined();
    expect(c.data._entities.map((e: { id: string } | null) => e?.id)).toEqual(chargeIds.slice(0, 100));
    const chargeReads = requestKeys(t.nex.requests.filter((q) => q.path !== '/authenticates'));
    console.info(`_entities × 100 Charge references: ${chargeReads.length} upstream calls (${chargeReads.join(', ')})`);
    expect(chargeReads.length).toBeLessThanOrEqual(3); // the scan's pages
    expect(chargeReads.every((k) => k.startsWith('GET /charges?'))).toBe(true);
    expect(new Set(chargeReads).size).toBe(chargeReads.length);
    expect(t.athena.requests.length).toBe(0);

    // 100 Patient references (the practice's patients, repeated to 100) with their balances. NexHealth
    // has no batch read of patients nor of claims, so those are one call per distinct patient (as for
    // any read of these patients); everything else is one batched call per loader.
    const patients = await smilePatientIds();
    const patientRefs = Array.from({ length: 100 }, (_, i) => ({ __typename: 'Patient', id: patients[i % patients.length] }));
    t.nex.resetRequestLog();
    const r = await t.gql(
      'query ($r: [_Any!]!) { _entities(representations: $r) { ... on Patient { id firstName balance { total { amount } } } } }',
      { r: patientRefs },
      KEYS.smile,
    );
    expect(r.errors).toBeUndefined();
    expect(r.data._entities).toHaveLength(100);
    const reads = t.nex.requests.filter((q) => q.path !== '/authenticates');
    const keys = requestKeys(reads);
    expect(new Set(keys).size).toBe(keys.length); // nothing asked twice
    const count = (path: string) => reads.filter((q) => q.path.startsWith(path)).length;
    console.info(
      `_entities × 100 Patient references (${patients.length} distinct): ${reads.length} upstream calls = ${count('/patients/')} patient reads + ${count('/claims')} claim lists (both per patient upstream) + charges ${count('/charges')}, payments ${count('/payments')}, adjustments ${count('/adjustments')}`,
    );
    expect(count('/patients/')).toBe(patients.length);
    expect(count('/claims')).toBeLessThanOrEqual(patients.length);
    // One location-wide scan per loader for all 35 patients (the charge scan is two pages).
    expect([count('/charges'), count('/payments'), count('/adjustments')].every((n) => n >= 1 && n <= 2)).toBe(true);
    expect(reads.length).toBe(
      count('/patients/') + count('/claims') + count('/charges') + count('/payments') + count('/adjustments'),
    );
  });
});
