/**
 * `Query.patient` asks for the ledger lists its selection will read together with the patient
 * itself (src/graphql/ledger-prefetch.ts): "balance + itemized invoice" in one upstream round trip.
 * Checked through the public API against the NexHealth sandbox, from its request log: when each
 * read arrived, what was read, and that nothing was read that the selection does not need.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createNexSeed, patientBalanceCents } from '../../src/sandbox/nexhealth';
import { KEYS, requestKeys, startTestGateway, type TestGateway } from './harness';

let t: TestGateway;
beforeAll(async () => {
  t = await startTestGateway();
});
afterAll(async () => {
  await t?.close();
});
afterEach(() => {
  t.nex.faults.clear();
});

const PATIENT = '1010';
const seed = createNexSeed();

/** Upstream reads of one operation, by path (authentication left out). */
async function readsOf(query: string, variables: Record<string, unknown> = {}) {
  t.nex.resetRequestLog();
  const result = await t.gql(query, { practiceId: 'smile-dental', patientId: PATIENT, ...variables });
  const requests = t.nex.requests.filter((r) => r.path !== '/authenticates');
  return { result, requests, paths: requests.map((r) => r.path).sort() };
}

describe('Query.patient reads its ledger with the patient, not after it', () => {
  it('balance + itemized invoice: the four ledger reads leave before the patient read is answered', async () => {
    // The patient read takes 200 ms: a ledger read made only after it would arrive after that.
    t.nex.faults.add({ path: `/patients/${PATIENT}`, responseTimeMs: 200 });
    const { result, requests, paths } = await readsOf(`
      query($practiceId: ID!, $patientId: ID!) {
        patient(practiceId: $practiceId, patientId: $patientId) {
          balance { total { cents } }
          invoice(groupBy: SERVICE_DATE) { total { cents } groups { lines { charge { sourceId } patientAmount { cents } } } }
        }
      }`);
    expect(result.errors).toBeUndefined();
    expect(result.data.patient.balance.total.cents).toBe(patientBalanceCents(Number(PATIENT), seed));
    expect(result.data.patient.invoice.groups.flatMap((g: { lines: unknown[] }) => g.lines).length).toBeGreaterThanOrEqual(10);
    expect(paths).toEqual(['/adjustments', '/charges', '/claims', '/patients/1010', '/payments']);
    expect(new Set(requestKeys(requests)).size).toBe(requests.length); // nothing asked twice
    const patientRead = requests.find((r) => r.path === `/patients/${PATIENT}`)!;
    for (const ledgerRead of requests.filter((r) => r !== patientRead)) {
      expect(ledgerRead.time).toBeLessThan(patientRead.answeredAt!);
    }
  });

  it('reads only the lists the selection needs, through fragments and @skip/@include', async () => {
    const cases: Array<[string, Record<string, unknown>, string[]]> = [
      ['{ firstName }', {}, []],
      ['{ payments { sourceId } }', {}, ['/payments']],
      ['{ charges { sourceId fee { cents } } }', {}, ['/charges']],
      ['{ charges { sourceId patientAmount { cents } } }', {}, ['/charges', '/claims']],
      [
        '{ ...Ledger } fragment Ledger on Patient { adjustments { sourceId } claims { sourceId } }',
        {},
        ['/adjustments', '/claims'],
      ],
      ['{ firstName balance @include(if: $withBalance) { total { cents } } }', { withBalance: false }, []],
      ['{ firstName ... @skip(if: $noCharges) { charges { sourceId } } }', { noCharges: true }, []],
    ];
    for (const [selection, variables, ledgerPaths] of cases) {
      const [body, ...fragments] = selection.split(' fragment ');
      const declared = Object.keys(variables)
        .map((name) => `, $${name}: Boolean!`)
        .join('');
      const query = `query($practiceId: ID!, $patientId: ID!${declared}) { patient(practiceId: $practiceId, patientId: $patientId) ${body} }${fragments.map((f) => ` fragment ${f}`).join('')}`;
      const { result, paths } = await readsOf(query, variables);
      expect(result.errors, selection).toBeUndefined();
      expect(paths, selection).toEqual([...ledgerPaths, `/patients/${PATIENT}`].sort());
    }
  });

  it('a document read again asks by its variables each time, and a shared fragment by its operation', async () => {
    // The lists a selection reads are remembered per document (ledger-prefetch.ts, perDocument),
    // but never across what a request can change: @include's variable, or the operation run. Each
    // pair starts with the request that reads more: a memo reused wrongly shows as an extra read.
    const directed = `query($practiceId: ID!, $patientId: ID!, $withBalance: Boolean!) {
      patient(practiceId: $practiceId, patientId: $patientId) { firstName balance @include(if: $withBalance) { total { cents } } } }`;
    for (const withBalance of [true, false, true, false]) {
      const { result, paths } = await readsOf(directed, { withBalance });
      expect(result.errors).toBeUndefined();
      const lists = withBalance ? ['/adjustments', '/charges', '/claims', '/payments'] : [];
      expect(paths, `withBalance ${withBalance}`).toEqual([...lists, `/patients/${PATIENT}`].sort());
    }
    // One document, two operations: the fragment's `patient` merges with a sibling in B only.
    const document = `
      query A($practiceId: ID!, $patientId: ID!) { ...P }
      query B($practiceId: ID!, $patientId: ID!) { ...P patient(practiceId: $practiceId, patientId: $patientId) { payments { sourceId } } }
      fragment P on Query { patient(practiceId: $practiceId, patientId: $patientId) { charges { sourceId } } }`;
    for (const operationName of ['B', 'A', 'B', 'A']) {
      t.nex.resetRequestLog();
      const response = await fetch(`${t.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${KEYS.all}` },
        body: JSON.stringify({ query: document, operationName, variables: { practiceId: 'smile-dental', patientId: PATIENT } }),
      });
      const body = (await response.json()) as { errors?: unknown };
      expect(body.errors, operationName).toBeUndefined();
      const paths = t.nex.requests.filter((r) => r.path !== '/authenticates').map((r) => r.path);
      const lists = operationName === 'A' ? ['/charges'] : ['/charges', '/payments'];
      expect(paths.sort(), operationName).toEqual([...lists, `/patients/${PATIENT}`].sort());
    }
  });

  it('a patient that does not exist is null; the lists asked for ahead are its only cost', async () => {
    const { result, paths } = await readsOf(
      `query($practiceId: ID!, $patientId: ID!) { patient(practiceId: $practiceId, patientId: $patientId) { balance { total { cents } } } }`,
      { patientId: '999999' },
    );
    expect(result.data.patient).toBeNull();
    expect(paths).toEqual(['/adjustments', '/charges', '/claims', '/patients/999999', '/payments']);
  });
});

describe("a row's provider and procedure", () => {
  const ROWS = `
    query($practiceId: ID!, $patientId: ID!) {
      patient(practiceId: $practiceId, patientId: $patientId) {
        charges { sourceId provider { sourceId name } procedure { code name } }
        payments { sourceId provider { name } }
      }
    }`;

  it('once read, answer from the adapter’s reference cache: the next request reads only the ledger, the same names', async () => {
    const first = await readsOf(ROWS);
    expect(first.result.errors).toBeUndefined();
    const charges = first.result.data.patient.charges as Array<{ provider: { name: string } | null; procedure: unknown }>;
    expect(charges.length).toBeGreaterThanOrEqual(10);
    expect(charges.filter((c) => c.provider?.name).length).toBeGreaterThan(0);
    expect(charges.filter((c) => c.procedure).length).toBeGreaterThan(0);

    const second = await readsOf(ROWS);
    expect(second.result.errors).toBeUndefined();
    expect(second.paths).toEqual(['/charges', '/patients/1010', '/payments']);
    expect(second.result.data).toEqual(first.result.data);
  });
});

describe("a charge's patient amount and claim, read from the patient's claims", () => {
  it('complete with their rows once the claims are in, and match the invoice’s patient amounts', async () => {
    const { result, paths } = await readsOf(`
      query($practiceId: ID!, $patientId: ID!) {
        patient(practiceId: $practiceId, patientId: $patientId) {
          charges { sourceId patientAmount { cents } claim { sourceId } }
          invoice(groupBy: SERVICE_DATE) { groups { lines { charge { sourceId } patientAmount { cents } } } }
        }
      }`);
    expect(result.errors).toBeUndefined();
    expect(paths).toEqual(['/charges', '/claims', '/patients/1010']);
    const rows = result.data.patient.charges as Array<{ sourceId: string; patientAmount: { cents: number } }>;
    const lines = result.data.patient.invoice.groups.flatMap(
      (g: { lines: Array<{ charge: { sourceId: string }; patientAmount: { cents: number } }> }) => g.lines,
    );
    expect(Object.fromEntries(rows.map((r) => [r.sourceId, r.patientAmount.cents]))).toEqual(
      Object.fromEntries(
        lines.map((l: { charge: { sourceId: string }; patientAmount: { cents: number } }) => [
          l.charge.sourceId,
          l.patientAmount.cents,
        ]),
      ),
    );
  });

  it('when the claims read fails, only the fields that need it fail: the rows and their fees still answer', async () => {
    t.nex.faults.add({ path: '/claims', method: 'GET', status: 503 });
    // `claim` is nullable, so its failure stays on it (a non-null `patientAmount` would null the list).
    const { result } = await readsOf(`
      query($practiceId: ID!, $patientId: ID!) {
        patient(practiceId: $practiceId, patientId: $patientId) { charges { sourceId fee { cents } claim { sourceId } } }
      }`);
    const charges = result.data.patient.charges as Array<{ sourceId: string; fee: { cents: number }; claim: unknown }>;
    expect(charges.length).toBeGreaterThanOrEqual(10);
    for (const charge of charges) {
      expect(charge.fee.cents).toEqual(expect.any(Number));
      expect(charge.claim).toBeNull();
    }
    const errors = result.errors ?? [];
    expect(errors.length).toBeGreaterThan(0);
    for (const error of errors) {
      expect(error.path?.filter((p) => typeof p === 'string')).toEqual(['patient', 'charges', 'claim']);
      expect(error.extensions?.code).toBe('UPSTREAM_UNAVAILABLE');
    }
  });
});
