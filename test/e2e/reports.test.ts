/**
 * Practice-wide reports through the public GraphQL API (README.md, "Practice-wide reports"): the
 * NexHealth sandbox grown by 3,000 patients (several pages of every location-wide list), answers
 * checked against sums computed here from the same seed, and upstream calls counted on the
 * sandbox's request log: a report costs its pages (plus at most 2), a second report or a second API
 * key of the practice costs nothing within the snapshot's TTL, the practice's own write costs one
 * `updated_since` call at the next read. Systems without location-wide lists: NOT_SUPPORTED with the
 * reason, zero upstream calls.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNexSeed, NEX_SEED } from '../../src/sandbox/nexhealth';
import { addScalePatients } from '../../src/sandbox/nexhealth/seed-scale';
import { PAY } from './documents';
import { type GqlResult, KEYS, startTestGateway, type TestGateway } from './harness';

const SMILE = 'smile-dental';
const OD = Number(NEX_SEED.locations.openDental);
const seed = createNexSeed();
addScalePatients(seed, { patients: 3_000 });
const balances = seed.guarantorBalances.filter((g) => g.location_id === OD);
const pages = (rows: number) => Math.max(1, Math.ceil(rows / 1000));
const balancePages = pages(balances.length);
const patientPages = pages(seed.patients.filter((p) => p.location_id === OD).length);
const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);
const dollars = (cents: number) =>
  `${cents < 0 ? '-' : ''}${Math.floor(Math.abs(cents) / 100)}.${String(Math.abs(cents) % 100).padStart(2, '0')}`;

const AGING = `query A($id: ID!) { practice(id: $id) { agingSummary {
  current { cents } days31To60 { cents } days61To90 { cents } over90 { cents } total { cents } guarantorPortion { cents } } } }`;
const RECEIVABLES = `query R($id: ID!, $filter: ReceivablesFilter, $orderBy: ReceivablesOrder, $first: Int, $after: String) {
  practice(id: $id) { receivables(filter: $filter, orderBy: $orderBy, first: $first, after: $after) {
    nodes { guarantor { sourceId firstName lastName aging { total { cents } } } aging { total { cents } over90 { cents } } }
    endCursor hasNextPage totalCount } } }`;
const COLLECTIONS = `query C($id: ID!, $from: Date!, $to: Date!, $groupBy: CollectionGrouping!) {
  practice(id: $id) { collections(from: $from, to: $to, groupBy: $groupBy) { key total { cents amount } count paymentType { name } } } }`;
const PAYMENTS = `query P($id: ID!, $from: Date!, $to: Date!, $first: Int, $after: String) {
  practice(id: $id) { payments(from: $from, to: $to, first: $first, after: $after) {
    nodes { sourceId amount { cents } paidAt paymentType { name } } endCursor hasNextPage totalCount } } }`;

let t: TestGateway;
const calls = (path?: string) => t.nex.requests.filter((r) => path === undefined || r.path === path);

beforeAll(async () => {
  t = await startTestGateway({ nexhealth: { seed } });
});
afterAll(async () => {
  await t?.close();
});

describe('practice-wide reports over NexHealth (3,000 more patients)', () => {
  it('agingSummary is the exact sum of the location guarantor records, in one call per page; a second key pays nothing', async () => {
    t.nex.resetRequestLog();
    const { data, errors } = await t.gql(AGING, { id: SMILE }, KEYS.smile);
    expect(errors).toBeUndefined();
    const bucket = (f: (g: (typeof balances)[number]) => number) => sum(balances.map(f));
    const expected = {
      current: bucket((g) => g.total_balance_under_30),
      days31To60: bucket((g) => g.total_balance_31_60),
      days61To90: bucket((g) => g.total_balance_61_90),
      over90: bucket((g) => g.total_balance_over_90),
    };
    const summary = data.practice.agingSummary;
    expect(summary.current.cents).toBe(expected.current);
    expect(summary.over90.cents).toBe(expected.over90);
    expect(summary.total.cents).toBe(sum(Object.values(expected)));
    expect(summary.guarantorPortion.cents).toBe(bucket((g) => g.guarantor_portion));
    expect(balancePages).toBeGreaterThan(1);
    const scan = calls('/guarantor_balances');
    expect(scan).toHaveLength(balancePages);
    expect(calls().length).toBeLessThanOrEqual(balancePages + 2);
    expect(scan.every((r) => r.query.per_page === '1000' && r.query.updated_since === '1970-01-01T00:00:00Z')).toBe(true);

    // Another API key of the same practice, within the TTL: the shared snapshot, no upstream call.
    t.nex.resetRequestLog();
    const again = await t.gql(AGING, { id: SMILE }, KEYS.all);
    expect(again.data.practice.agingSummary).toEqual(summary);
    expect(calls()).toHaveLength(0);
  });

  it('receivables: filtered, ordered, paged with a stable cursor; names in one patient scan; guarantor.aging costs nothing', async () => {
    t.nex.resetRequestLog();
    const expected = balances
      .filter((g) => g.total_balance_under_30 + g.total_balance_31_60 + g.total_balance_61_90 + g.total_balance_over_90 >= 10_000)
      .map((g) => ({
        id: String(g.guarantor_id),
        total: g.total_balance_under_30 + g.total_balance_31_60 + g.total_balance_61_90 + g.total_balance_over_90,
      }))
      .sort((a, b) => b.total - a.total || Number(b.id) - Number(a.id));
    const seen: Array<{ id: string; total: number }> = [];
    let after: string | null = null;
    let first: any = null;
    for (let page = 0; page < 100; page++) {
      const { data, errors }: GqlResult<any> = await t.gql(RECEIVABLES, {
        id: SMILE,
        filter: { minBalance: '100.00' },
        orderBy: { field: 'TOTAL', direction: 'DESC' },
        first: 200,
        after,
      });
      expect(errors).toBeUndefined();
      const r: any = data.practice.receivables;
      first ??= r;
      expect(r.totalCount).toBe(expected.length);
      for (const node of r.nodes) {
        expect(node.guarantor.aging.total.cents).toBe(node.aging.total.cents);
        seen.push({ id: node.guarantor.sourceId, total: node.aging.total.cents });
      }
      if (!r.hasNextPage) break;
      after = r.endCursor;
    }
    expect(seen).toEqual(expected);
    // Names come from the patient list: the top guarantor's are the seed's.
    const top = seed.patients.find((p) => String(p.id) === first.nodes[0].guarantor.sourceId)!;
    expect(first.nodes[0].guarantor).toMatchObject({ firstName: top.first_name, lastName: top.last_name });
    // The balance snapshot was already there (previous test): the only calls are the patient scan's pages.
    expect(calls('/patients')).toHaveLength(patientPages);
    expect(calls()).toHaveLength(patientPages);
  });

  it('collections and payments over a period: exact totals per payment type and per day, and every payment once', async () => {
    t.nex.resetRequestLog();
    const from = '2025-05-01';
    const to = '2025-06-30';
    const inPeriod = seed.payments.filter(
      (p) => p.location_id === OD && !p.deleted_at && p.paid_at.slice(0, 10) >= from && p.paid_at.slice(0, 10) <= to,
    );
    const { data, errors } = await t.gql(COLLECTIONS, { id: SMILE, from, to, groupBy: 'PAYMENT_TYPE' });
    expect(errors).toBeUndefined();
    const byType = new Map<string, { total: number; count: number }>();
    for (const p of inPeriod) {
      const g = byType.get(String(p.payment_type_id)) ?? { total: 0, count: 0 };
      g.total -= p.payment_amount;
      g.count++;
      byType.set(String(p.payment_type_id), g);
    }
    expect(data.practice.collections.map((c: any) => ({ key: c.key, total: c.total.cents, count: c.count }))).toEqual(
      [...byType.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([key, g]) => ({ key, ...g })),
    );
    const cash = data.practice.collections.find((c: any) => c.key === NEX_SEED.paymentTypes.openDental.cash);
    expect(cash.paymentType.name).toBe('Cash');
    expect(cash.total.amount).toBe(dollars(cash.total.cents));
    const paymentPages = pages(seed.payments.filter((p) => p.location_id === OD && !p.deleted_at).length);
    expect(calls('/payments')).toHaveLength(paymentPages);
    expect(calls().length).toBeLessThanOrEqual(paymentPages + 2);

    const byDay = await t.gql(COLLECTIONS, { id: SMILE, from, to, groupBy: 'DAY' });
    expect(sum(byDay.data.practice.collections.map((c: any) => c.total.cents))).toBe(
      sum([...byType.values()].map((g) => g.total)),
    );

    const ids: string[] = [];
    let after: string | null = null;
    for (let page = 0; page < 100; page++) {
      const r: any = (await t.gql(PAYMENTS, { id: SMILE, from, to, first: 200, after })).data.practice.payments;
      expect(r.totalCount).toBe(inPeriod.length);
      ids.push(...r.nodes.map((n: any) => n.sourceId));
      if (!r.hasNextPage) break;
      after = r.endCursor;
    }
    expect(ids.sort()).toEqual(inPeriod.map((p) => String(p.id)).sort());
    // Reading the same snapshot again costs nothing.
    expect(calls('/payments')).toHaveLength(paymentPages);
  });

  it("the practice's own write: the next report refreshes with updated_since in one call and shows it", async () => {
    const before = (await t.gql(AGING, { id: SMILE })).data.practice.agingSummary.total.cents;
    const { data, errors } = await t.gql(PAY, {
      input: {
        practiceId: SMILE,
        patientId: NEX_SEED.ownGuarantor.ownId,
        amount: '100.00',
        paymentTypeId: NEX_SEED.paymentTypes.openDental.cash,
        idempotencyKey: 'reports-e2e-write-1',
      },
    });
    expect(errors).toBeUndefined();
    expect(data.createPaymentTransaction.transaction.transactionId).toMatch(/^LG:/);
    await t.nex.completePendingInsertions();
    await t.nex.settle();
    t.nex.resetRequestLog();
    const after = (await t.gql(AGING, { id: SMILE })).data.practice.agingSummary.total.cents;
    expect(after).toBe(before - 10_000);
    const refresh = calls('/guarantor_balances');
    expect(refresh).toHaveLength(1);
    expect(refresh[0]!.query.updated_since).not.toBe('1970-01-01T00:00:00Z');
  });

  it('bad input is BAD_USER_INPUT before any upstream call', async () => {
    t.nex.resetRequestLog();
    const cases = [
      await t.gql(RECEIVABLES, { id: 'bright-dentrix', filter: { minBalance: '1e3' } }),
      await t.gql(RECEIVABLES, { id: 'bright-dentrix', first: 500 }),
      await t.gql(RECEIVABLES, { id: 'bright-dentrix', after: 'not-a-cursor' }),
      await t.gql(COLLECTIONS, { id: 'bright-dentrix', from: '2025-07-01', to: '2025-06-01', groupBy: 'DAY' }),
      await t.gql(PAYMENTS, { id: 'bright-dentrix', from: '2025-02-30', to: '2025-03-01' }),
    ];
    for (const result of cases) expect(result.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(cases[0]!.errors![0]!.message).toMatch(/expected minBalance to be a decimal amount such as "100.00", got "1e3"/);
    expect(calls()).toHaveLength(0);
  });

  it('athenahealth: every report and Practice.patients answer NOT_SUPPORTED with the reason, with no upstream call', async () => {
    t.athena.resetRequestLog();
    const results = [
      await t.gql(AGING, { id: 'northside' }),
      await t.gql(RECEIVABLES, { id: 'northside' }),
      await t.gql(COLLECTIONS, { id: 'northside', from: '2025-06-01', to: '2025-06-30', groupBy: 'DAY' }),
      await t.gql(PAYMENTS, { id: 'northside', from: '2025-06-01', to: '2025-06-30' }),
      await t.gql(
        '{ practice(id: "northside") { capabilities { practiceReports patientListing } patients { nodes { sourceId } } } }',
      ),
    ];
    for (const result of results) {
      expect(result.errors?.[0]?.extensions?.code).toBe('NOT_SUPPORTED');
      expect(result.errors?.[0]?.message).toMatch(
        /practice "northside" \(ATHENAHEALTH\) cannot .*athenahealth (lists|has) no practice-wide/,
      );
    }
    expect(t.athena.requests.filter((r) => !r.path.includes('token'))).toHaveLength(0);
  });
});
