/**
 * The eligibility flow over a small in-test fake of the coverage port and a real store (PGlite in
 * memory, migration 9): the 24 h cache and `refresh`, a payer's rejection as a result, setup and
 * retry rejections as errors, a missing payer mapping refused before any call, and a payer that
 * does not answer within the polling bound, whose inquiry the next request resumes without posting.
 */
import { PGlite } from '@electric-sql/pglite';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { CoverageAdapter, EligibilityAnswer, EligibilityRequest } from '../../../src/adapters/coverage/port';
import { cacheKeyOf } from '../../../src/flows/eligibility/check-store';
import { createEligibilityFlow, type EligibilityQuestion } from '../../../src/flows/eligibility/flow';
import { SERVICE_TYPE_CODES } from '../../../src/flows/eligibility/request';
import type { CoverageRecord, PatientRecord } from '../../../src/ledger/records';
import { migrate } from '../../../src/transactions/migrations';
import { createPgliteClient } from '../../../src/transactions/pglite-client';
import type { SqlClient } from '../../../src/transactions/sql-client';

let sql: SqlClient;
beforeAll(async () => {
  sql = await createPgliteClient(new PGlite());
  await migrate(sql);
});
afterAll(async () => {
  await sql?.close();
});

const ANSWERED: EligibilityAnswer = {
  state: 'ANSWERED',
  inquiryId: 'INQ-1',
  benefits: {
    complete: true,
    asOfDate: '2026-07-30',
    payer: { payerId: 'SANDBOX1', name: 'ACME HEALTH PPO' },
    plans: [
      {
        name: 'ACME PPO',
        groupNumber: 'G1',
        groupName: null,
        insuranceTypeCode: null,
        statusCode: '1',
        coverageStartDate: '2025-01-01',
        coverageEndDate: null,
        eligibilityStartDate: null,
        eligibilityEndDate: null,
      },
    ],
    rows: [
      {
        plan: 0,
        code: 'B',
        serviceTypeCode: '98',
        network: 'Y',
        coverageLevelCode: 'IND',
        timeQualifierCode: '27',
        amount: 2500,
        percent: null,
        placeOfServiceCode: '11',
      },
      {
        plan: 0,
        code: 'C',
        serviceTypeCode: '30',
        network: 'Y',
        coverageLevelCode: 'IND',
        timeQualifierCode: '23',
        amount: 150000,
        percent: null,
        placeOfServiceCode: null,
      },
      {
        plan: 0,
        code: 'C',
        serviceTypeCode: '30',
        network: 'Y',
        coverageLevelCode: 'IND',
        timeQualifierCode: '29',
        amount: 120000,
        percent: null,
        placeOfServiceCode: null,
      },
      {
        plan: 0,
        code: 'A',
        serviceTypeCode: '98',
        network: 'Y',
        coverageLevelCode: 'IND',
        timeQualifierCode: null,
        amount: null,
        percent: 20,
        placeOfServiceCode: null,
      },
    ],
  },
};

/** A scripted clearinghouse: each POST and poll answers the next scripted answer, and is counted. */
class FakeClearinghouse implements CoverageAdapter {
  readonly system = 'fake';
  readonly capabilities = { eligibility: true, claimStatusInquiry: false, asyncPolling: true };
  posts: EligibilityRequest[] = [];
  polls: string[] = [];
  postAnswers: EligibilityAnswer[] = [];
  pollAnswers: EligibilityAnswer[] = [];
  async connect() {}
  async close() {}
  async checkEligibility(request: EligibilityRequest) {
    this.posts.push(request);
    return this.postAnswers.shift() ?? ANSWERED;
  }
  async pollEligibility(inquiryId: string) {
    this.polls.push(inquiryId);
    return this.pollAnswers.shift() ?? { state: 'PENDING' as const, inquiryId, retrying: false, expiresAt: null };
  }
}

const PATIENT: PatientRecord = {
  sourceId: 'p1',
  firstName: 'JANE',
  lastName: 'DOE',
  email: null,
  dateOfBirth: '1985-04-12',
  guarantorSourceId: null,
  nonPatient: false,
  inactive: false,
  departmentId: null,
  guarantorName: null,
};
const COVERAGE: CoverageRecord = {
  sourceId: 'cov-1',
  patientSourceId: 'p1',
  status: 'active',
  active: true,
  order: 1,
  subscriberId: 'AVL000001',
  payerName: 'Acme',
  payerReference: 'Organization/acme',
  group: null,
  plan: null,
  relationship: 'self',
  periodStart: '2025-01-01',
  periodEnd: null,
};

let clock: Date;
let waits: number[];
let upstream: FakeClearinghouse;
let payerIds: Record<string, string>;
const flow = () =>
  createEligibilityFlow({
    sql,
    eligibilityFor: () => ({
      adapter: upstream,
      settings: { providerNpi: '1234567893', providerName: 'Smile', payerIds, inNetwork: true },
    }),
    now: () => clock,
    sleep: async (ms) => {
      waits.push(ms);
      clock = new Date(clock.getTime() + ms);
    },
  });
const ask = (over: Partial<EligibilityQuestion> = {}): EligibilityQuestion => ({
  practiceId: 'smile',
  patient: PATIENT,
  coverages: [COVERAGE],
  coverageId: null,
  asOf: '2026-07-30',
  refresh: false,
  today: '2026-07-30',
  ...over,
});

beforeEach(async () => {
  await sql.query('TRUNCATE eligibility_checks');
  clock = new Date('2026-07-30T15:00:00Z');
  waits = [];
  upstream = new FakeClearinghouse();
  payerIds = { 'Organization/acme': 'SANDBOX1' };
});

describe('eligibility flow', () => {
  it('asks once, answers from the store for 24 h, and asks again on refresh or after 24 h', async () => {
    const first = await flow().check(ask());
    expect(first).toMatchObject({
      cached: false,
      result: {
        status: 'COMPLETE',
        coverageActive: true,
        officeVisitCopay: 2500,
        coinsurancePercent: 20,
        deductible: { individual: { total: 150000, remaining: 120000 } },
        coverageId: 'cov-1',
      },
    });
    expect(upstream.posts).toHaveLength(1);
    expect(upstream.posts[0]).toMatchObject({ payerId: 'SANDBOX1', relationship: 'SELF', serviceTypeCodes: ['30', '98'] });

    clock = new Date(clock.getTime() + 23 * 3_600_000);
    const cached = await flow().check(ask());
    expect(cached).toMatchObject({ cached: true, result: { officeVisitCopay: 2500 } });
    expect(upstream.posts).toHaveLength(1);

    const refreshed = await flow().check(ask({ refresh: true }));
    expect(refreshed).toMatchObject({ cached: false });
    expect(upstream.posts).toHaveLength(2);

    clock = new Date(clock.getTime() + 24 * 3_600_000);
    expect(await flow().check(ask())).toMatchObject({ cached: false });
    expect(upstream.posts).toHaveLength(3);
    // Another date is another question.
    expect(await flow().check(ask({ asOf: '2026-08-01' }))).toMatchObject({ cached: false });
    expect(upstream.posts).toHaveLength(4);
  });

  it('a missing payer mapping is BAD_USER_INPUT naming the payer, with no upstream call', async () => {
    payerIds = {};
    const error = await flow()
      .check(ask())
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'BAD_USER_INPUT' });
    expect((error as Error).message).toContain('no fake payer id for "Organization/acme" / "Acme"');
    expect(upstream.posts).toHaveLength(0);
  });

  it('the payer mapping is found by the payor display when the reference is not mapped', async () => {
    payerIds = { Acme: 'SANDBOX1' };
    await flow().check(ask());
    expect(upstream.posts[0]!.payerId).toBe('SANDBOX1');
  });

  it("a payer's rejection is a REJECTED result with reasons, never cached", async () => {
    const rejected: EligibilityAnswer = {
      state: 'REJECTED',
      inquiryId: 'INQ-9',
      reasons: [{ code: '75', description: 'Subscriber/Insured Not Found', field: 'member.memberId', followUp: null }],
    };
    upstream.postAnswers = [rejected, rejected];
    const answer = await flow().check(ask());
    expect(answer).toMatchObject({
      cached: false,
      result: {
        status: 'REJECTED',
        coverageActive: null,
        officeVisitCopay: null,
        reasons: [{ code: '75', field: 'member.memberId' }],
      },
    });
    await flow().check(ask());
    expect(upstream.posts).toHaveLength(2);
  });

  it('setup rejections are UPSTREAM_REJECTED and "cannot answer now" UPSTREAM_UNAVAILABLE', async () => {
    upstream.postAnswers = [
      { state: 'REJECTED', inquiryId: 'a', reasons: [{ code: '43', description: null, field: null, followUp: null }] },
      { state: 'REJECTED', inquiryId: 'b', reasons: [{ code: '42', description: null, field: null, followUp: null }] },
    ];
    await expect(flow().check(ask())).rejects.toMatchObject({ code: 'UPSTREAM_REJECTED' });
    await expect(flow().check(ask())).rejects.toMatchObject({ code: 'UPSTREAM_UNAVAILABLE' });
  });

  it('a payer that never answers: bounded polling, the inquiry kept; the next request resumes it without posting', async () => {
    upstream.postAnswers = [{ state: 'PENDING', inquiryId: 'INQ-P', retrying: false, expiresAt: null }];
    await expect(flow().check(ask())).rejects.toMatchObject({ code: 'UPSTREAM_UNAVAILABLE' });
    expect(upstream.posts).toHaveLength(1);
    // 1 s, then every 2 s, 30 s at most: 15 polls.
    expect(waits).toEqual([1000, ...Array(14).fill(2000)]);
    expect(upstream.polls).toEqual(Array(15).fill('INQ-P'));

    upstream.pollAnswers = [
      { state: 'PENDING', inquiryId: 'INQ-P', retrying: true, expiresAt: null },
      { ...ANSWERED, inquiryId: 'INQ-P' },
    ];
    waits = [];
    const resumed = await flow().check(ask());
    expect(resumed).toMatchObject({ cached: false, result: { status: 'COMPLETE', officeVisitCopay: 2500 } });
    expect(upstream.posts).toHaveLength(1);
    expect(upstream.polls.slice(15)).toEqual(['INQ-P', 'INQ-P']);
    expect(waits).toEqual([2000]);
    // Answered: the next request is served from the store.
    expect(await flow().check(ask())).toMatchObject({ cached: true });
  });

  it('nothing known of the coverage: null with the reason, no upstream call', async () => {
    expect(await flow().check(ask({ coverages: null }))).toEqual({
      unavailable: expect.stringMatching(/^eligibility: .*no insurance coverage read/),
    });
    expect(await flow().check(ask({ coverages: [] }))).toEqual({
      unavailable: 'eligibility: no insurance coverage is on file for this patient',
    });
    expect(await flow().check(ask({ coverages: [{ ...COVERAGE, subscriberId: null }] }))).toEqual({
      unavailable: 'eligibility: coverage "cov-1" has no member id on file',
    });
    await expect(flow().check(ask({ coverageId: 'nope' }))).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(upstream.posts).toHaveLength(0);
  });

  it('coverageId chooses the coverage; by default the active primary', async () => {
    const secondary = { ...COVERAGE, sourceId: 'cov-2', order: 2, subscriberId: 'AVL000003' };
    const ended = { ...COVERAGE, sourceId: 'cov-0', order: 1, active: false, subscriberId: 'AVL000002' };
    await flow().check(ask({ coverages: [secondary, ended, COVERAGE] }));
    expect(upstream.posts[0]!.member.memberId).toBe('AVL000001');
    const chosen = await flow().check(ask({ coverages: [secondary, COVERAGE], coverageId: 'cov-2' }));
    expect(upstream.posts[1]!.member.memberId).toBe('AVL000003');
    expect(chosen).toMatchObject({ result: { coverageId: 'cov-2' } });
  });

  it('two instances on one store, the same first question at once: one POST; the second serves its answer', async () => {
    // The first POST is held open until the second instance has found the claimed row and waits.
    let openGate!: () => void;
    const gate = new Promise<void>((resolve) => {
      openGate = resolve;
    });
    const post = upstream.checkEligibility.bind(upstream);
    upstream.checkEligibility = async (request) => {
      const answer = await post(request);
      await gate;
      return answer;
    };
    const a = flow().check(ask());
    // B's wait (its fake sleep) releases A's POST and resumes once A has stored the answer.
    const b = createEligibilityFlow({
      sql,
      eligibilityFor: () => ({
        adapter: upstream,
        settings: { providerNpi: '1234567893', providerName: 'Smile', payerIds, inNetwork: true },
      }),
      now: () => clock,
      sleep: async (ms) => {
        waits.push(ms);
        openGate();
        await a;
      },
    });
    // A has claimed the row once its POST is on the wire.
    while (upstream.posts.length === 0) await new Promise<void>((resolve) => setImmediate(resolve));
    const [first, second] = await Promise.all([a, b.check(ask())]);
    expect(first).toMatchObject({ cached: false, result: { status: 'COMPLETE' } });
    expect(second).toMatchObject({ cached: true, result: { status: 'COMPLETE' } });
    expect(upstream.posts).toHaveLength(1);
    expect(waits).toEqual([2000]);
  });

  it('one instance, the same question twice at once: one POST, both answered', async () => {
    const one = flow();
    const [x, y] = await Promise.all([one.check(ask()), one.check(ask())]);
    expect(x).toEqual(y);
    expect(upstream.posts).toHaveLength(1);
  });

  it('a POST that failed gives its claim back; a claim abandoned past postClaimMs is taken over', async () => {
    upstream.checkEligibility = async () => {
      throw new Error('connection reset');
    };
    await expect(flow().check(ask())).rejects.toThrow('connection reset');
    expect((await sql.query('SELECT * FROM eligibility_checks')).rows).toHaveLength(0);
    upstream = new FakeClearinghouse();
    // A poster that died between its claim and the inquiry id: the row waits 60 s, then is claimed again.
    await sql.query(
      `INSERT INTO eligibility_checks (cache_key, practice_id, patient_id, coverage_id, payer_id, as_of_date, state, posted_at, updated_at)
       SELECT cache_key, 'smile', 'p1', 'cov-1', 'SANDBOX1', '2026-07-30', 'PENDING', $2, $2 FROM (SELECT $1::text AS cache_key) k`,
      [
        cacheKeyOf({
          practiceId: 'smile',
          patientId: 'p1',
          coverageId: 'cov-1',
          payerId: 'SANDBOX1',
          memberId: 'AVL000001',
          asOfDate: '2026-07-30',
          serviceTypeCodes: SERVICE_TYPE_CODES,
        }),
        new Date(clock.getTime() - 61_000).toISOString(),
      ],
    );
    expect(await flow().check(ask())).toMatchObject({ cached: false, result: { status: 'COMPLETE' } });
    expect(upstream.posts).toHaveLength(1);
    expect(waits).toEqual([]);
  });
});
