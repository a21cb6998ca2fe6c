/**
 * Test helper (the gateway's own post-then-poll lives in the eligibility flow, which stores each
 * inquiry id before its first poll: `src/flows/eligibility/flow.ts`). It drives an adapter the way
 * that flow does, so the adapter tests can check its answers over a whole inquiry:
 * post an eligibility inquiry and poll it until the payer answers, within a bound; or resume polling
 * an inquiry an earlier request left pending. Clearinghouse-neutral (any adapter with
 * `capabilities.asyncPolling`); the cadence is the eligibility README's: the first poll 1 s after
 * the post, then every 2 s, 30 s at most.
 *
 * Never posts twice for one inquiry: past the bound it answers the last `PENDING` (with its
 * `inquiryId`), which the flow keeps on the check so the next request resumes here with
 * `resumeInquiryId` instead of posting. It posts again only when there is no id to poll: none was
 * given, or the clearinghouse forgot it (`NOT_FOUND`). A poll that got no answer (a timeout, a 5xx)
 * is tried again at the next tick: the inquiry is not lost upstream.
 *
 *     let answer = await awaitEligibility(adapter, request, { resumeInquiryId: stored?.inquiryId ?? null });
 *     if (answer.state === 'PENDING') … // UPSTREAM_UNAVAILABLE "payer has not answered", keep answer.inquiryId
 */
import { UpstreamError } from '../../../src/adapters/ledger/port';
import type { CoverageAdapter, EligibilityAnswer, EligibilityRequest } from '../../../src/adapters/coverage/port';

export interface AwaitEligibilityOptions {
  /** An inquiry left pending by an earlier request: polled first, not posted again. Default `null`. */
  resumeInquiryId?: string | null;
  /** Wait before the first poll, in ms. Default 1,000. */
  firstPollMs?: number;
  /** Wait between later polls, in ms. Default 2,000. */
  pollEveryMs?: number;
  /** The bound on the whole wait, in ms, after which the last `PENDING` is answered. Default 30,000. */
  maxWaitMs?: number;
  /** Monotonic clock in ms. Default `performance.now`. */
  now?: () => number;
  /** Waits between polls. Default: a timer. */
  sleep?: (ms: number) => Promise<void>;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A poll that may be tried again at the next tick: no answer, or a 5xx / 429 that outlived its retries. */
function transient(err: unknown): boolean {
  return (
    err instanceof UpstreamError &&
    err.code === 'UPSTREAM_UNAVAILABLE' &&
    (err.status === null || err.status >= 500 || err.status === 429)
  );
}

export async function awaitEligibility(
  adapter: Pick<CoverageAdapter, 'checkEligibility' | 'pollEligibility'>,
  request: EligibilityRequest,
  options: AwaitEligibilityOptions = {},
): Promise<EligibilityAnswer> {
  const { checkEligibility, pollEligibility } = adapter;
  if (!checkEligibility) throw new TypeError('expected an adapter with checkEligibility (capabilities.eligibility)');
  const now = options.now ?? (() => performance.now());
  const sleep = options.sleep ?? defaultSleep;
  const firstPollMs = options.firstPollMs ?? 1_000;
  const pollEveryMs = options.pollEveryMs ?? 2_000;
  const maxWaitMs = options.maxWaitMs ?? 30_000;
  const started = now();

  type Pending = Extract<EligibilityAnswer, { state: 'PENDING' }>;
  let answer: EligibilityAnswer | null = null;
  if (options.resumeInquiryId && pollEligibility) {
    const resumed: Pending = { state: 'PENDING', inquiryId: options.resumeInquiryId, retrying: false, expiresAt: null };
    try {
      answer = await pollEligibility.call(adapter, options.resumeInquiryId, request);
    } catch (err) {
      // NOT_FOUND: the clearinghouse forgot it, so post below; a transient failure keeps polling it.
      if (!(err instanceof UpstreamError && err.code === 'NOT_FOUND')) {
        if (!transient(err)) throw err;
        answer = resumed;
      }
    }
  }
  answer ??= await checkEligibility.call(adapter, request);
  if (answer.state !== 'PENDING' || !pollEligibility) return answer;
  let pending: Pending = answer;

  // Bounded by the clock and, whatever the clock does, by the number of polls the bound allows.
  const maxPolls = 1 + Math.floor(Math.max(0, maxWaitMs - firstPollMs) / pollEveryMs);
  for (let poll = 0; ; poll++) {
    const wait = poll === 0 && !options.resumeInquiryId ? firstPollMs : pollEveryMs;
    if (poll >= maxPolls || now() - started + wait > maxWaitMs) return pending;
    await sleep(wait);
    try {
      const next: EligibilityAnswer = await pollEligibility.call(adapter, pending.inquiryId, request);
      if (next.state !== 'PENDING') return next;
      pending = next;
    } catch (err) {
      // The clearinghouse forgot it (expired): the only case where posting again is right.
      if (err instanceof UpstreamError && err.code === 'NOT_FOUND') {
        const again = await checkEligibility.call(adapter, request);
        if (again.state !== 'PENDING') return again;
        pending = again;
        continue;
      }
      if (!transient(err)) throw err;
    }
  }
}
