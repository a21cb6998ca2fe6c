/**
 * A family in one round trip (src/graphql/ledger-prefetch.ts, `prefetchFamily`): `Query.guarantor`
 * asks for the family's ledger lists by `guarantor_id` (one call per list for the whole family) and
 * for its A/R records together with the family read, then serves each patient's lists from those
 * rows. Checked through the public API against the NexHealth sandbox, from its request log (what
 * was read, with which filter, and when), and against the seed for every own-guarantor encoding.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createNexSeed, NEX_SEED, patientBalanceCents } from '../../src/sandbox/nexhealth';
import { FAMILY_QUERY } from './documents';
import { startTestGateway, type TestGateway } from './harness';

let t: TestGateway;
const seed = createNexSeed();

beforeAll(async () => {
  t = await startTestGateway();
});
afterAll(async () => {
  await t?.close();
});
afterEach(() => {
  t.nex.faults.clear();
});

const LISTS = ['/adjustments', '/charges', '/claims', '/payments'] as const;

const LEDGERS_QUERY = /* GraphQL */ `
  query Ledgers($practiceId: ID!, $guarantorId: ID!) {
    guarantor(practiceId: $practiceId, guarantorId: $guarantorId) {
      patients {
        sourceId
        balance { total { cents } }
        charges { sourceId }
        payments { sourceId }
        adjustments { sourceId }
        claims { sourceId }
      }
    }
  }
`;

/** A patient's live rows in the seed: the oracle of "no row lost, none doubled". */
function seedRows(patientId: string) {
  const id = Number(patientId);
  const live = <T extends { patient_id: number; deleted_at?: string | null }>(rows: readonly T[]) =>
    rows
      .filter((r) => r.patient_id === id && !r.deleted_at)
      .map((r) => String((r as unknown as { id: number }).id))
      .sort();
  return {
    charges: live(seed.charges),
    payments: live(seed.payments),
    adjustments: live(seed.adjustments),
    claims: live(seed.claims),
  };
}

/** A list straight from the sandbox's wire, as an independent client would read it. */
async function wireList(path: string, query: Record<string, string>): Promise<Array<Record<string, unknown>>> {
  const headers = { 'Nex-Api-Version': 'v20240412' };
  const auth = await fetch(`${t.nex.url}/authenticates?subdomain=${t.nex.subdomain}`, {
    method: 'POST',
    headers: { ...headers, Authorization: t.nex.apiKey },
  });
  const token = ((await auth.json()) as { data: { token: string } }).data.token;
  const params = new URLSearchParams({
    subdomain: t.nex.subdomain,
    location_id: t.nex.locations.openDental,
    per_page: '1000',
    ...query,
  });
  const res = await fetch(`${t.nex.url}${path}?${params}`, { headers: { ...headers, Authorization: `Bearer ${token}` } });
  return ((await res.json()) as { data: Array<Record<string, unknown>> }).data;
}

describe('a family ledger in one round trip (NexHealth)', () => {
  it('warm, the family query costs 7 upstream calls, all sent before any is answered', async () => {
    const family = NEX_SEED.families.alvarez;
    const variables = { practiceId: 'smile-dental', guarantorId: family.guarantorId };
    expect((await t.gql(FAMILY_QUERY, variables)).errors).toBeUndefined(); // warms providers and procedures

    // Every call takes 150 ms: a call made only after another one's answer leaves after that answer.
    t.nex.faults.add({ responseTimeMs: 150 });
    t.nex.resetRequestLog();
    const { data, errors } = await t.gql(FAMILY_QUERY, variables);
    expect(errors).toBeUndefined();
    expect(data.guarantor.patients.map((p: { sourceId: string }) => p.sourceId).sort()).toEqual([...family.patientIds].sort());

    const reads = t.nex.requests.filter((r) => r.path !== '/authenticates');
    expect(reads.map((r) => r.path).sort()).toEqual(
      [...LISTS, '/guarantor_balances', '/insurance_balances', `/patients/${family.guarantorId}`].sort(),
    );
    expect(reads.length).toBeLessThanOrEqual(7);
    for (const list of reads.filter((r) => (LISTS as readonly string[]).includes(r.path))) {
      expect(list.query['guarantor_id'], list.path).toBe(family.guarantorId);
      expect(list.query['patient_id'], list.path).toBeUndefined();
    }
    // One level: the last call left before the first answer came back.
    const firstAnswer = Math.min(...reads.map((r) => r.answeredAt!));
    for (const r of reads) expect(r.time, r.path).toBeLessThan(firstAnswer);
  });

  const conventions = [
    ['her own id', NEX_SEED.ownGuarantor.familyOwnId, (g: string) => Number(g)],
    ['0', NEX_SEED.ownGuarantor.familyZero, () => 0],
    ['null', NEX_SEED.ownGuarantor.familyNull, () => null],
  ] as const;

  for (const [convention, guarantorId, encoding] of conventions) {
    it(`a guarantor whose own rows carry guarantor_id ${convention}: every row in its one ledger, none lost or doubled`, async () => {
      // The wire really says so: her own rows come with the family's, carrying that encoding.
      const wire = await wireList('/charges', { guarantor_id: guarantorId });
      const hers = wire.filter((row) => String(row['patient_id']) === guarantorId);
      expect(hers.length).toBeGreaterThan(0);
      for (const row of hers) expect(row['guarantor_id']).toBe(encoding(guarantorId));

      t.nex.resetRequestLog();
      const { data, errors } = await t.gql(LEDGERS_QUERY, { practiceId: 'smile-dental', guarantorId });
      expect(errors).toBeUndefined();
      const patients: Array<Record<string, any>> = data.guarantor.patients;
      expect(patients.map((p) => p.sourceId)).toContain(guarantorId);
      for (const p of patients) {
        const expected = seedRows(p.sourceId);
        for (const list of ['charges', 'payments', 'adjustments', 'claims'] as const) {
          expect(p[list].map((row: { sourceId: string }) => row.sourceId).sort(), `${p.sourceId} ${list}`).toEqual(
            expected[list],
          );
        }
        expect(p.balance.total.cents, p.sourceId).toBe(patientBalanceCents(Number(p.sourceId), seed));
      }
      // Served from the family's lists: no list was read per patient.
      const lists = t.nex.requests.filter((r) => (LISTS as readonly string[]).includes(r.path));
      expect(lists.map((r) => r.path).sort()).toEqual([...LISTS]);
    });
  }
});
