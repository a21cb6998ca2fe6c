/** The upstream budget: per-credential token buckets, a fair queue, a retry budget, a request scope (see README.md). */
export { bucketShape, limitsFor, plannedCalls, type RateLimit, type UpstreamLimits } from './declaration';
export { SlidingWindow, type WindowShape } from './sliding-window';
export { TokenBucket } from './token-bucket';
export { FairQueue, type QueueEntry } from './fair-queue';
export { RetryBudget, type RetryBudgetOptions } from './retry-budget';
export { type Answered, CredentialBudget, UpstreamBudgetClosed, type CredentialBudgetOptions } from './credential-budget';
export { LocalTokenSource, type TokenSource } from './token-source';
export { PgTokenSource, UPSTREAM_BUDGET_MIGRATIONS } from './pg-token-source';
export { credentialKey } from './credential-key';
export {
  BACKGROUND_KEY,
  UpstreamCallCapExceeded,
  countUpstreamCall,
  currentRequestScope,
  runInRequestScope,
  type RequestScope,
} from './request-scope';
export { practiceBudget, type ExchangeDone, type UpstreamBudget } from './upstream-budget';
export { UpstreamBudgetRegistry, type UpstreamBudgetRegistryOptions } from './registry';
