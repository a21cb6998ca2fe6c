/**
 * One webhook (or status callback) attempt: POST a body to the receiver's URL (http or https) and
 * resolve with the status it answered, the body read and dropped. A connection failure or a
 * receiver that does not answer in time rejects (the hub records the message as the attempt's
 * error, and retries as its vendor does). Shared by every simulator's hub; each brings its own
 * content type and headers (signature, user agent), sent in the order given after `content-type`
 * and `content-length`.
 *
 *     const status = await postWebhook(url, body, {
 *       contentType: 'application/json',
 *       headers: { 'stripe-signature': signature, 'user-agent': 'Stripe/1.0' },
 *     });
 */
import http from 'node:http';
import https from 'node:https';

export interface PostWebhookOptions {
  /** The `content-type` header. Default: `'application/json'`. */
  contentType?: string;
  /** The vendor's headers (signature, user agent, …), after `content-type` and `content-length`. Default: none. */
  headers?: Record<string, string>;
  /** How long the receiver may take before the attempt fails. Default: 10,000 ms. */
  timeoutMs?: number;
  /** The error message of a timed-out attempt. Default: `timed out after {timeoutMs} ms`. */
  timeoutMessage?: string;
  /**
   * Reuse connections through Node's global agent (keep-alive); `false` opens a connection per
   * attempt, so nothing lingers after the sandbox closes. Default: `true`.
   */
  reuseConnections?: boolean;
}

export function postWebhook(url: string, body: string, options: PostWebhookOptions = {}): Promise<number> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const timeoutMessage = options.timeoutMessage ?? `timed out after ${timeoutMs} ms`;
  return new Promise((resolve, reject) => {
    const target = new URL(url);
    const request = (target.protocol === 'https:' ? https : http).request(
      target,
      {
        method: 'POST',
        ...(options.reuseConnections === false ? { agent: false } : {}),
        timeout: timeoutMs,
        headers: {
          'content-type': options.contentType ?? 'application/json',
          'content-length': Buffer.byteLength(body),
          ...options.headers,
        },
      },
      (response) => {
        response.resume();
        response.on('end', () => resolve(response.statusCode ?? 0));
        response.on('error', reject);
      },
    );
    request.on('timeout', () => request.destroy(new Error(timeoutMessage)));
    request.on('error', reject);
    request.end(body);
  });
}
