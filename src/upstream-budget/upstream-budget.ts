/**
 * What an adapter's HTTP client holds: one practice's handle on its credential's budget. The client
 * calls `beforeExchange` right before each HTTP exchange (it counts against the request's
 * `limits.maxUpstreamCalls`, then waits its fair turn for a token) and the `ExchangeDone` it got
 * back once the exchange is over, in a `finally` (the status, `null` without an answer: a 429
 * pauses the whole credential; the call leaves the in-flight count), and `mayRetry` before each retry.
 *
 *     const done = await budget.beforeExchange({ endpoint: '/patients/{id}', attempt });
 *     let status: number | null = null;
 *     try { const res = await send(); status = res.status; return res; }
 *     finally { done(status, retryAfterMs(res)); }
 */
import type { CredentialBudget } from './credential-budget';

/**
 * The end of one exchange: its HTTP status (`null`: no answer) and the `Retry-After` in ms, if any.
 * Call it exactly once, answer or not. It frees the call's place at once; the promise resolves once
 * a 429's pause is recorded (in the store, when shared): callers need not wait, it never rejects.
 */
export type ExchangeDone = (status: number | null, retryAfterMs: number | null) => Promise<void>;
import { BACKGROUND_KEY, countUpstreamCall, currentRequestScope } from './request-scope';

export interface UpstreamBudget {
  /** Before one HTTP exchange on `endpoint` (its template); `attempt` 1 is a first attempt. Throws UpstreamCallCapExceeded over the request's cap. */
  beforeExchange(call: { endpoint: string; attempt: number }): Promise<ExchangeDone>;
  /** Whether one more retry may be spent (spends it when so); false: fail with the last error. */
  mayRetry(): boolean;
}

/** A practice's handle: calls queue under the practice and the current request's API key. */
export function practiceBudget(budget: CredentialBudget, practiceId: string): UpstreamBudget {
  return {
    // Not `async` (a promise fewer before every exchange); the cap's throw still arrives as a rejection.
    beforeExchange({ endpoint, attempt }) {
      let granted: Promise<() => void>;
      try {
        countUpstreamCall();
        const apiKey = currentRequestScope()?.apiKey ?? BACKGROUND_KEY;
        granted = budget.acquire({ practiceId, apiKey, endpoint, firstAttempt: attempt <= 1 });
      } catch (error) {
        return Promise.reject(error);
      }
      return granted.then(
        (answered): ExchangeDone =>
          (status, retryAfterMs) => {
            answered();
            // A failed pause (the store) must not fail the call that was answered.
            return budget.settle(status, retryAfterMs).catch(() => {});
          },
      );
    },
    mayRetry: () => budget.mayRetry(),
  };
}
