/** Shared HTTP plumbing for adapters: pool transport, retries with jittered backoff, limits, queries. */
export { backoffDelayMs, parseRetryAfterMs, sleep, DEFAULT_MAX_BACKOFF_MS } from './backoff';
export { retry, type AttemptOutcome, type RetryPolicy } from './retry';
export { createLimiter, type Limiter } from './limiter';
export { buildQuery, withQuery, type Query, type QueryValue } from './query';
export {
  HttpTransport,
  TransportError,
  type HttpMethod,
  type HttpRequest,
  type HttpResponse,
  type HttpTransportOptions,
} from './transport';
export type { UpstreamCallEvent } from './upstream-call';
export { sendReported, type ReportedCall, type ReportedOptions } from './reported';
