/**
 * One exchange through an {@link HttpTransport}, counted against the practice's upstream budget and
 * reported to `onUpstreamCall` (endpoint template, status, duration; never a body), answer or not.
 * The budget's done callback hears a 429's `Retry-After`, so the whole credential pauses. A failure
 * to answer is the transport's {@link TransportError}, thrown as is.
 *
 *     const res = await sendReported(http, { method: 'GET', path: '/coverages/1', timeoutMs }, { endpoint: '/coverages/{id}', attempt }, options);
 */
import type { UpstreamBudget } from '../../upstream-budget';
import { parseRetryAfterMs } from './backoff';
import type { HttpRequest, HttpResponse, HttpTransport } from './transport';
import type { UpstreamCallEvent } from './upstream-call';

export interface ReportedCall {
  /** The endpoint template for the budget and metrics (`/coverages/{id}`): no ids, no PHI. */
  endpoint: string;
  /** 1 for a first attempt, 2 for its first retry, … */
  attempt: number;
}

export interface ReportedOptions {
  upstreamBudget?: UpstreamBudget;
  onUpstreamCall?: (event: UpstreamCallEvent) => void;
}

export async function sendReported(
  transport: HttpTransport,
  request: HttpRequest,
  call: ReportedCall,
  options: ReportedOptions,
): Promise<HttpResponse> {
  const done = await options.upstreamBudget?.beforeExchange(call);
  const started = performance.now();
  let status: number | null = null;
  let retryAfterMs: number | null = null;
  try {
    const res = await transport.send(request);
    status = res.status;
    if (status === 429) retryAfterMs = parseRetryAfterMs(res.header('retry-after'));
    return res;
  } finally {
    void done?.(status, retryAfterMs);
    try {
      options.onUpstreamCall?.({
        endpoint: call.endpoint,
        method: request.method,
        status,
        durationMs: performance.now() - started,
        attempt: call.attempt,
      });
    } catch {
      // an observer's failure is not the upstream's
    }
  }
}
