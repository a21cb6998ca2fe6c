/**
 * Upstream fault tolerance through the public API: sandbox fault injection (latency spikes past the
 * adapter's timeout, 500s, 429 storms with Retry-After, connection resets, malformed JSON) and a
 * proxy for what the sandboxes cannot do (a failure on one patient's call, payloads that break the
 * spec's shapes). Every scenario must give HTTP 200, data for the unaffected fields, errors coded
 * UPSTREAM_UNAVAILABLE on the affected paths only, and never INTERNAL_SERVER_ERROR.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NEX_SEED } from '../../src/sandbox/nexhealth';
import { ATHENA_SEED_PATIENTS } from '../../src/sandbox/athenahealth';
import { startTestGateway, type GqlResult, type TestGateway } from '../e2e/harness';
import { startFaultProxy, type FaultProxy } from './fault-proxy';

const FAMILY = NEX_SEED.families.alvarez;
/** The family's charges by guarantor, and patient 1003's own charges read. */
const FAMILY_CHARGES_THEN_1003 = new RegExp(`^/charges\\?.*(guarantor_id=${FAMILY.guarantorId}|patient_id=1003)\\b`);
let t: TestGateway;
let proxy: FaultProxy;
let nexTarget = '';

beforeAll(async () => {
  proxy = await startFaultProxy(() => nexTarget);
  t = await startTestGateway({
    config: (raw) => {
      const smile = raw.practices.find((p: { id: string }) => p.id === 'smile-dental');
      nexTarget = smile.connection.baseUrl;
      smile.connection.baseUrl = proxy.url;
    },
    gateway: {
      adapterOptions: { retryBaseDelayMs: 1, maxRetries: 1, timeoutMs: 1500 },
      // High threshold: these scenarios are about partial results, the breaker has its own file.
      circuitBreaker: { failureThreshold: 1000 },
    },
  });
});
afterAll(async () => {
  await t?.close();
  await proxy?.close();
});

/** One patient per root field, so a failing list only nulls its own patient (see the report on bubbling). */
const WIDE = /* GraphQL */ `
  query Wide {
    ${FAMILY.patientIds
      .map(
        (id) => `p${id}: patient(practiceId: "smile-dental", patientId: "${id}") {
          sourceId firstName charges { sourceId fee { cents } } payments { sourceId amount { cents } }
          adjustments { sourceId } claims { sourceId } }`,
      )
      .join('\n')}
    g: guarantor(practiceId: "smile-dental", guarantorId: "${FAMILY.guarantorId}") { sourceId aging { total { cents } } }
    other: practice(id: "bright-dentrix") { name paymentTypes { name } }
    north: patient(practiceId: "northside", patientId: "${ATHENA_SEED_PATIENTS.selfGuarantor}") { sourceId charges { sourceId } }
  }
`;

function codes(r: GqlResult<unknown>) {
  return (r.errors ?? []).map((e) => e.extensions?.code);
}

/** Survived: 200, only UPSTREAM_UNAVAILABLE errors, and the other practices intact. */
function expectSurvived(r: GqlResult<any>, label: string, allowed: readonly string[] = ['UPSTREAM_UNAVAILABLE']) {
  expect(r.status, label).toBe(200);
  expect(r.data, label).toBeTruthy();
  for (const code of codes(r)) expect(allowed, `${label}: ${JSON.stringify(r.errors)}`).toContain(code);
  expect(r.data.other?.name, label).toMatch(/^Bright Family Dentistry/);
  expect(r.data.north?.sourceId, label).toBe(ATHENA_SEED_PATIENTS.selfGuarantor);
}

/** The root fields (`pNNNN`, `g`) whose value is null or carry an error. */
function affected(r: GqlResult<any>) {
  return new Set((r.errors ?? []).map((e) => String(e.path?.[0])));
}

let survived = 0;
afterAll(() => console.info(`fault scenarios survived: ${survived}`));

describe('partial results under upstream faults', () => {
  it('baseline: no errors', async () => {
    const r = await t.gql(WIDE);
    expect(r.errors).toBeUndefined();
  });

  it('the classic: one patient’s charges call fails → data for every other field, one error on that path', async () => {
    proxy.add({ match: /^\/charges\?.*patient_id=1003\b/, status: 500 });
    try {
      const r = await t.gql(WIDE);
      expectSurvived(r, 'classic');
      expect(r.errors).toHaveLength(1);
      expect(r.errors![0]!.path).toEqual(['p1003', 'charges']);
      expect(r.errors![0]!.extensions?.code).toBe('UPSTREAM_UNAVAILABLE');
      for (const id of ['1001', '1002', '1004']) expect(r.data[`p${id}`].charges.length).toBeGreaterThan(0);
      expect(r.data.g.aging.total.cents).toEqual(expect.any(Number));
      survived++;
    } finally {
      proxy.clear();
    }
  });

  it('the classic inside one family query: the error stays on that path and the rest of the family answers', async () => {
    // The family's charges come in one call by guarantor_id; when it fails, each patient's own read
    // is tried (src/graphql/ledger-prefetch.ts), and only patient 1003's fails.
    proxy.add({ match: FAMILY_CHARGES_THEN_1003, status: 500 });
    try {
      const r = await t.gql(
        `query ($g: ID!) { guarantor(practiceId: "smile-dental", guarantorId: $g) {
            sourceId aging { total { cents } }
            patients { sourceId charges { sourceId } payments { sourceId } } } }`,
        { g: FAMILY.guarantorId },
      );
      expect(r.status).toBe(200);
      expect(codes(r)).toEqual(['UPSTREAM_UNAVAILABLE']);
      const index = FAMILY.patientIds.indexOf('1003');
      expect(r.errors![0]!.path).toEqual(['guarantor', 'patients', index, 'charges']);
      // Patient.charges is a nullable list: the failure is contained in that one field.
      expect(r.data.guarantor.aging.total.cents).toEqual(expect.any(Number));
      expect(r.data.guarantor.patients[index]).toMatchObject({ sourceId: '1003', charges: null });
      expect(r.data.guarantor.patients[index].payments).toEqual(expect.any(Array));
      for (const [i, patient] of r.data.guarantor.patients.entries()) {
        if (i !== index) expect(patient.charges.length).toBeGreaterThan(0);
      }
      survived++;
    } finally {
      proxy.clear();
    }
  });

  it('a balance that cannot be computed nulls only that patient in the family list', async () => {
    proxy.add({ match: FAMILY_CHARGES_THEN_1003, status: 500 });
    try {
      const r = await t.gql(
        `query ($g: ID!) { guarantor(practiceId: "smile-dental", guarantorId: $g) {
            aging { total { cents } } patients { sourceId balance { total { cents } } } } }`,
        { g: FAMILY.guarantorId },
      );
      expect(codes(r)).toEqual(['UPSTREAM_UNAVAILABLE']);
      const index = FAMILY.patientIds.indexOf('1003');
      expect(r.errors![0]!.path).toEqual(['guarantor', 'patients', index, 'balance']);
      expect(r.data.guarantor.patients[index]).toBeNull();
      expect(r.data.guarantor.patients.filter((p: unknown) => p !== null)).toHaveLength(FAMILY.patientIds.length - 1);
      expect(r.data.guarantor.aging.total.cents).toEqual(expect.any(Number));
      survived++;
    } finally {
      proxy.clear();
    }
  });

  const scenarios: Array<[string, () => void, RegExp, string[]?]> = [
    [
      'latency spike past the adapter timeout on /charges',
      () => void t.nex.faults.add({ path: '/charges', latencyMs: 2500 }),
      /^p\d+$/,
    ],
    ['500s on /payments', () => void t.nex.faults.add({ path: '/payments', status: 500 }), /^p\d+$/],
    [
      '429 storm with Retry-After on /adjustments',
      () => void t.nex.faults.add({ path: '/adjustments', status: 429, retryAfterSeconds: 1 }),
      /^p\d+$/,
    ],
    ['connection resets on /claims', () => void t.nex.faults.add({ path: '/claims', reset: true }), /^p\d+$/],
    [
      'malformed JSON on /guarantor_balances',
      () => void t.nex.faults.add({ path: '/guarantor_balances', malformedJson: true }),
      /^g$/,
    ],
    [
      '30% mixed faults everywhere (seeded)',
      () => {
        t.nex.faults.reseed(7);
        t.nex.faults.add({ path: /^\/(charges|payments|adjustments|claims)/, status: 503, probability: 0.1 });
        t.nex.faults.add({ path: /^\/(charges|payments|adjustments|claims)/, reset: true, probability: 0.1 });
        t.nex.faults.add({ path: /^\/(charges|payments|adjustments|claims)/, malformedJson: true, probability: 0.1 });
      },
      /^(p\d+|g)$/,
    ],
    [
      'wrong-shaped charges (strings for numbers, missing fields)',
      () =>
        proxy.add({
          match: /^\/charges\?/,
          rewrite: (body) => ({ ...body, data: (body.data ?? []).map((c: any) => ({ ...c, fee: 'lots', id: null })) }),
        }),
      /^p\d+$/,
    ],
    [
      'wrong-shaped payments (data is an object)',
      () => proxy.add({ match: /^\/payments\?/, rewrite: (body) => ({ ...body, data: { surprise: true } }) }),
      /^p\d+$/,
    ],
    [
      'wrong envelope on /adjustments (no data, code false)',
      () => proxy.add({ match: /^\/adjustments\?/, body: { code: false, description: ['nope'], error: ['x'] } }),
      /^p\d+$/,
      // NexHealth's own error envelope is the upstream answering "no": a rejection, not an outage.
      ['UPSTREAM_REJECTED', 'UPSTREAM_UNAVAILABLE'],
    ],
    ['null body on /claims', () => proxy.add({ match: /^\/claims\?/, body: null }), /^p\d+$/],
    ['HTML error page with 502 on /charges', () => proxy.add({ match: /^\/charges\?/, status: 502 }), /^p\d+$/],
  ];

  it.each(scenarios)('%s', async (label, inject, mayFail, allowed) => {
    inject();
    try {
      const r = await t.gql(WIDE);
      expectSurvived(r, label, allowed);
      for (const root of affected(r)) expect(root, label).toMatch(mayFail);
      survived++;
    } finally {
      t.nex.faults.clear();
      proxy.clear();
    }
    // And it recovers at once: the breaker is not in the way here, the next query is whole.
    const after = await t.gql(WIDE);
    expect(after.errors, label).toBeUndefined();
  });

  it('athenahealth faults: 500, 502 HTML, 503 text, malformed, reset on northside stay on northside', async () => {
    for (const kind of ['500', '502', '503', 'malformed', 'reset', '429'] as const) {
      t.athena.faults.add({ kind, path: '/patients', probability: 1, retryAfterSeconds: 1 } as never);
      try {
        const r =
          await t.gql(`{ north: patient(practiceId: "northside", patientId: "${ATHENA_SEED_PATIENTS.selfGuarantor}") { sourceId charges { sourceId } }
          smile: patient(practiceId: "smile-dental", patientId: "1001") { sourceId } }`);
        expect(r.status, kind).toBe(200);
        for (const code of codes(r)) expect(code, `${kind}: ${JSON.stringify(r.errors)}`).toBe('UPSTREAM_UNAVAILABLE');
        expect(r.errors?.length, kind).toBeGreaterThan(0);
        expect(r.data.smile.sourceId, kind).toBe('1001');
        survived++;
      } finally {
        t.athena.faults.clear();
      }
    }
  });
});
