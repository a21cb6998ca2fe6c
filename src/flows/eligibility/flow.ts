/**
 * The eligibility flow (`README.md` here): `Patient.eligibility` asks the practice's clearinghouse
 * whether the patient's coverage is active and what she will owe, once per question per 24 h.
 *
 *     const eligibility = createEligibilityFlow({ sql, eligibilityFor, now });
 *     const answer = await eligibility.check({ practiceId, patient, coverages, coverageId: null, asOf: null, refresh: false, today });
 *     // { result, cached } | { unavailable: 'eligibility: …' }
 *
 * Order of work, so that bad input costs nothing upstream: the practice's connection, the coverage,
 * the member id and birth date, the payer mapping (BAD_USER_INPUT naming it) — then the store: a
 * fresh COMPLETE/PARTIAL answer is served (unless `refresh`); a PENDING inquiry is polled, never
 * posted again; otherwise one POST, its inquiry id stored before the first poll.
 */
import type { EligibilityAnswer } from '../../adapters/coverage/port';
import { UpstreamError } from '../../adapters/ledger/port';
import { eligibilityFigures } from '../../ledger/eligibility-benefits';
import { eligibilityRejectionOutcome } from '../../ledger/eligibility-rejection';
import { payerIdFor } from '../../ledger/payer-id';
import type { CoverageRecord, IsoDate, PatientRecord } from '../../ledger/records';
import type { SqlExecutor } from '../../transactions/sql-client';
import {
  cacheKeyOf,
  claimPost,
  dropPending,
  getCheck,
  releasePost,
  storeAnswer,
  storePending,
  type CheckKey,
  type CheckRow,
} from './check-store';
import { EligibilityInputError, CoverageNotFound, PayerNotAnswered, PayerSetupRejected } from './errors';
import { chooseCoverage, eligibilityRequest, SERVICE_TYPE_CODES } from './request';
import type { EligibilityResolver, EligibilityResult, EligibilitySettings } from './types';

export interface EligibilityFlowOptions {
  /** How long a COMPLETE/PARTIAL answer is served from the store. Default 86 400 000 (24 h). */
  cacheMs?: number;
  /** The wait before the first poll of an accepted inquiry. Default 1 000 (1 s). */
  pollFirstMs?: number;
  /** The wait between later polls. Default 2 000 (2 s). */
  pollEveryMs?: number;
  /** How long one request polls before answering UPSTREAM_UNAVAILABLE (the inquiry kept). Default 30 000 (30 s). */
  pollForMs?: number;
  /**
   * How long a claimed POST (another request's, on any instance) is waited on before it counts as
   * abandoned (its poster died before storing the inquiry id) and may be claimed again. Default 60 000 (60 s).
   */
  postClaimMs?: number;
}

export const ELIGIBILITY_DEFAULTS = {
  cacheMs: 86_400_000,
  pollFirstMs: 1_000,
  pollEveryMs: 2_000,
  pollForMs: 30_000,
  postClaimMs: 60_000,
} as const;

export interface EligibilityFlowDeps extends EligibilityFlowOptions {
  sql: SqlExecutor;
  eligibilityFor: EligibilityResolver;
  now?: () => Date;
  /** Wait `ms` (tests: advance a fake clock). Default: a timer. */
  sleep?: (ms: number) => Promise<void>;
}

export interface EligibilityQuestion {
  practiceId: string;
  patient: PatientRecord;
  /** The patient's coverages as the ledger system has them; `null` where it has no coverage read. */
  coverages: readonly CoverageRecord[] | null;
  coverageId: string | null;
  asOf: IsoDate | null;
  refresh: boolean;
  /** Today in the practice's time zone: the default `asOf`. */
  today: IsoDate;
}

export type EligibilityAnswerOrReason = { result: EligibilityResult; cached: boolean } | { unavailable: string };

export interface EligibilityFlow {
  /** Whether the practice has an eligibility clearinghouse (`capabilities.eligibility`). */
  supported(practiceId: string): boolean;
  check(question: EligibilityQuestion): Promise<EligibilityAnswerOrReason>;
}

/**
 * Why nothing can be asked about a patient's coverage (an `eligibility: …` reason for
 * `Patient.unsupported`), or `null` when an inquiry can be built. Throws NOT_FOUND for a
 * `coverageId` the patient does not have.
 */
export function eligibilityUnknownReason(
  coverages: readonly CoverageRecord[] | null,
  patient: PatientRecord,
  coverageId: string | null,
): string | null {
  if (coverages === null) {
    return "eligibility: the billing system has no insurance coverage read, so nothing is known of the patient's coverage";
  }
  const coverage = chooseCoverage(coverages, coverageId);
  if (coverage === undefined) {
    throw new CoverageNotFound(`patient "${patient.sourceId}" has no coverage "${coverageId}"`, { field: 'coverageId' });
  }
  if (coverage === null) return 'eligibility: no insurance coverage is on file for this patient';
  if (!coverage.subscriberId) return `eligibility: coverage "${coverage.sourceId}" has no member id on file`;
  if (!patient.dateOfBirth) return 'eligibility: the patient has no birth date on file, which the payer requires';
  return null;
}

const timer = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function createEligibilityFlow(deps: EligibilityFlowDeps): EligibilityFlow {
  const now = deps.now ?? (() => new Date());
  const sleep = deps.sleep ?? timer;
  const options = {
    cacheMs: deps.cacheMs ?? ELIGIBILITY_DEFAULTS.cacheMs,
    pollFirstMs: deps.pollFirstMs ?? ELIGIBILITY_DEFAULTS.pollFirstMs,
    pollEveryMs: deps.pollEveryMs ?? ELIGIBILITY_DEFAULTS.pollEveryMs,
    pollForMs: deps.pollForMs ?? ELIGIBILITY_DEFAULTS.pollForMs,
    postClaimMs: deps.postClaimMs ?? ELIGIBILITY_DEFAULTS.postClaimMs,
  };
  // This instance's questions being answered: a concurrent same question joins the running one.
  const running = new Map<string, Promise<EligibilityAnswerOrReason>>();

  /** The interpreted result of a final answer; throws for the rejections that are not results. */
  function resultOf(
    answer: Exclude<EligibilityAnswer, { state: 'PENDING' }>,
    coverage: CoverageRecord,
    settings: EligibilitySettings,
    asOfDate: IsoDate,
  ): EligibilityResult {
    if (answer.state === 'REJECTED') {
      const outcome = eligibilityRejectionOutcome(answer.reasons);
      const codes = answer.reasons.map((r) => r.code).join(', ');
      if (outcome === 'UPSTREAM_UNAVAILABLE')
        throw new PayerNotAnswered(`the payer could not answer now (AAA ${codes}); try again later`);
      if (outcome === 'UPSTREAM_REJECTED') {
        throw new PayerSetupRejected(
          `the payer refused the practice's inquiry (AAA ${codes}): the provider setup (NPI, name, enrollment) needs fixing`,
        );
      }
    }
    const figures = eligibilityFigures(answer, { inNetwork: settings.inNetwork, asOfDate });
    return {
      ...figures,
      // A rejection names no payer: the coverage's own payer name says whom the desk asked.
      payerName: figures.payerName ?? coverage.payerName,
      coverageId: coverage.sourceId,
      checkedAt: now().toISOString(),
    };
  }

  return {
    supported: (practiceId) => !!deps.eligibilityFor(practiceId)?.adapter.checkEligibility,
    async check(q) {
      const connection = deps.eligibilityFor(q.practiceId);
      if (!connection?.adapter.checkEligibility) {
        return {
          unavailable: `eligibility: practice "${q.practiceId}" has no eligibility clearinghouse configured (coverage.eligibility)`,
        };
      }
      const unknown = eligibilityUnknownReason(q.coverages, q.patient, q.coverageId);
      if (unknown) return { unavailable: unknown };
      // Known to exist and complete by the check above.
      const coverage = chooseCoverage(q.coverages!, q.coverageId)!;
      const subscriberId = coverage.subscriberId!;
      const dateOfBirth = q.patient.dateOfBirth!;
      const { settings, adapter } = connection;
      const post = connection.adapter.checkEligibility.bind(connection.adapter);
      const mapped = payerIdFor(
        settings.payerIds,
        { reference: coverage.payerReference, display: coverage.payerName },
        adapter.system,
      );
      if ('violation' in mapped) throw new EligibilityInputError(mapped.violation.message, { field: 'payerIds' });
      const { payerId } = mapped;
      const asOfDate = q.asOf ?? q.today;
      const key: CheckKey = {
        practiceId: q.practiceId,
        patientId: q.patient.sourceId,
        coverageId: coverage.sourceId,
        payerId,
        memberId: subscriberId,
        asOfDate,
        serviceTypeCodes: SERVICE_TYPE_CODES,
      };
      const cacheKey = cacheKeyOf(key);
      const started = now();
      /** A stored answer this request may serve: fresh, and for a `refresh` made after it started. */
      const servable = (row: CheckRow | null): row is CheckRow & { result: EligibilityResult } =>
        !!row?.result &&
        (row.state === 'COMPLETE' || row.state === 'PARTIAL') &&
        now().getTime() - Date.parse(row.checkedAt!) < options.cacheMs &&
        (!q.refresh || Date.parse(row.checkedAt!) >= started.getTime());
      const stored = await getCheck(deps.sql, cacheKey);
      if (servable(stored)) return { result: stored.result, cached: true };
      // The same question already being answered here: its answer is this one's too (no second POST).
      const joined = running.get(cacheKey);
      if (joined) return joined;

      const request = eligibilityRequest(
        { ...q.patient, dateOfBirth },
        { ...coverage, subscriberId },
        payerId,
        settings,
        asOfDate,
      );
      const work = (async (): Promise<EligibilityAnswerOrReason> => {
        let answer: EligibilityAnswer;
        let firstPollAfter = options.pollFirstMs;
        let waited = 0;
        let claimedAt: Date | null = null;
        let row = stored;
        // Single flight across instances: whoever claims the row posts; the others wait on the row
        // (another instance's POST in flight), poll its inquiry, or serve its answer.
        for (;;) {
          if (servable(row)) return { result: row.result, cached: true };
          if (row?.state === 'PENDING' && row.inquiryId) {
            // An inquiry the payer has not answered yet: resume polling it, never post a second one.
            answer = { state: 'PENDING', inquiryId: row.inquiryId, retrying: false, expiresAt: null };
            firstPollAfter = 0;
            break;
          }
          const at = now();
          const answeredBefore = q.refresh ? started : new Date(at.getTime() - options.cacheMs);
          if (await claimPost(deps.sql, key, at, answeredBefore, new Date(at.getTime() - options.postClaimMs))) {
            claimedAt = at;
            try {
              answer = await post(request);
              if (answer.state === 'PENDING') await storePending(deps.sql, key, answer.inquiryId, now());
            } catch (error) {
              await releasePost(deps.sql, cacheKey, at);
              throw error;
            }
            break;
          }
          // Claimed by another request (another instance): its inquiry id or its answer lands in the row.
          if (waited + options.pollEveryMs > options.pollForMs) {
            throw new PayerNotAnswered(
              `another request's inquiry has not been answered within ${options.pollForMs / 1000} s; the next request resumes it`,
            );
          }
          await sleep(options.pollEveryMs);
          waited += options.pollEveryMs;
          row = await getCheck(deps.sql, cacheKey);
        }

        // The bound counts the waits themselves (not the clock), so a request polls at most
        // 1 + (pollForMs - pollFirstMs) / pollEveryMs times whatever the upstream's latency or a test's clock.
        let wait = firstPollAfter;
        while (answer.state === 'PENDING') {
          if (waited + wait > options.pollForMs) {
            throw new PayerNotAnswered(
              `the payer has not answered within ${options.pollForMs / 1000} s; the inquiry is kept and the next request resumes polling it`,
            );
          }
          if (!adapter.pollEligibility) throw new PayerNotAnswered('the clearinghouse answered later but cannot be polled');
          if (wait > 0) await sleep(wait);
          waited += wait;
          wait = options.pollEveryMs;
          try {
            answer = await adapter.pollEligibility(answer.inquiryId, request);
          } catch (error) {
            // The clearinghouse forgot the inquiry (it expired): post anew; the new id is stored before its polls.
            if (!(error instanceof UpstreamError) || error.code !== 'NOT_FOUND') throw error;
            await dropPending(deps.sql, cacheKey, answer.inquiryId);
            answer = await post(request);
            if (answer.state === 'PENDING') await storePending(deps.sql, key, answer.inquiryId, now());
          }
        }
        // The inquiry is over whatever it answered: a later request must not poll it again.
        await dropPending(deps.sql, cacheKey, answer.inquiryId);
        let result: EligibilityResult;
        try {
          result = resultOf(answer, coverage, settings, asOfDate);
        } catch (error) {
          // A refusal stores nothing: a claim this request still holds is given back.
          if (claimedAt) await releasePost(deps.sql, cacheKey, claimedAt);
          throw error;
        }
        await storeAnswer(deps.sql, key, answer.inquiryId, result, now());
        return { result, cached: false };
      })();
      running.set(cacheKey, work);
      try {
        return await work;
      } finally {
        running.delete(cacheKey);
      }
    },
  };
}
