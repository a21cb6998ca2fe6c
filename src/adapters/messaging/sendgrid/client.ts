/**
 * The Mail Send client: the official `@sendgrid/client` + `@sendgrid/mail` (8.1.6) pointed at the
 * connection's `baseUrl`, with the house's rules around each exchange:
 *
 * - `setApiKey` first, `baseUrl` after: the SDK's `setApiKey` resets the base URL to the public host;
 * - one exchange per call, never retried here (the adapter decides, `outcome.ts`); the SDK does not retry;
 * - a timeout on every exchange (the SDK has none by default) and no proxy from the environment (as
 *   every other adapter, which speaks `undici` directly);
 * - at most {@link SENDGRID_MAX_CONCURRENT_SENDS} exchanges in flight per API key in this process;
 * - every exchange reported (`onUpstreamCall`) and counted against the upstream budget, a 429 with
 *   the wait until `X-RateLimit-Reset` so the whole key pauses.
 *
 * The answer is classified, not thrown: what the adapter must know is whether anything may have
 * been sent (`MailExchange`).
 *
 * Both SDKs are imported on the first send, not at start (`../../lazy-sdk.ts`): every vendor is
 * registered, so a static import would load them into gateways whose practices send no email. The
 * SDK client is built once per adapter, on that first send.
 */
import { createHash } from 'node:crypto';
import type { Client } from '@sendgrid/client';
import type { ClientRequest } from '@sendgrid/client/src/request';
import type { MailDataRequired, MailService } from '@sendgrid/mail';
import { z } from 'zod';
import { createLimiter, type Limiter, parseRetryAfterMs } from '../../http';
import { lazySdk } from '../../lazy-sdk';
import type { AdapterOptions } from '../../system';
import type { SendgridConnection } from './connection';
import { SENDGRID_MAX_CONCURRENT_SENDS } from './rate-limits';

// Both packages `export =` a ready-made instance, so TypeScript types their dynamic import as its
// `default` alone; Node also gives the classes as named exports, which are what is built here.
const sendgridClientSdk = lazySdk(() => import('@sendgrid/client') as Promise<unknown> as Promise<{ Client: typeof Client }>);
const sendgridMailSdk = lazySdk(
  () => import('@sendgrid/mail') as Promise<unknown> as Promise<{ MailService: typeof MailService }>,
);

export const MAIL_SEND_ENDPOINT = '/v3/mail/send';
export const DEFAULT_TIMEOUT_MS = 10_000;

/** One entry of SendGrid's error envelope `{"errors":[{"message","field","help"}]}`. */
export interface SendgridErrorEntry {
  message: string;
  field: string | null;
}

const errorEnvelopeSchema = z.object({
  errors: z.array(z.object({ message: z.string().catch(''), field: z.string().nullish().catch(null) })),
});

/** What one Mail Send exchange came to. */
export type MailExchange =
  /** 2xx (SendGrid answers 202): queued. `messageId` is `X-Message-Id`, `null` when absent. */
  | { kind: 'accepted'; status: number; messageId: string | null; at: Date }
  /** 4xx: refused, nothing sent. `retryAfterMs` for a 429 (until `X-RateLimit-Reset`, else `Retry-After`). */
  | { kind: 'refused'; status: number; errors: SendgridErrorEntry[]; retryAfterMs: number | null }
  /** No connection was made (refused, unresolvable host): nothing sent, safe to try again. */
  | { kind: 'unsent'; reason: string }
  /** The SDK refused the request before sending it (a malformed argument): nothing sent, not retryable. */
  | { kind: 'invalid'; reason: string }
  /** The request may have reached SendGrid but no usable answer came (timeout, reset, 5xx). */
  | { kind: 'lost'; status: number | null; reason: string };

/** Connection errors raised before any byte of the request left: nothing can have been sent. */
const NOT_CONNECTED = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL']);
const TIMED_OUT = new Set(['ECONNABORTED', 'ETIMEDOUT']);

const keyLimiters = new Map<string, Limiter>();

function keyLimiter(connection: SendgridConnection): Limiter {
  const key = `${connection.baseUrl}\n${createHash('sha256').update(connection.apiKey).digest('hex')}`;
  let limiter = keyLimiters.get(key);
  if (!limiter) {
    limiter = createLimiter(SENDGRID_MAX_CONCURRENT_SENDS);
    keyLimiters.set(key, limiter);
  }
  return limiter;
}

function headerOf(headers: unknown, name: string): string | undefined {
  if (!headers || typeof headers !== 'object') return undefined;
  const value = (headers as Record<string, unknown>)[name];
  if (Array.isArray(value)) return typeof value[0] === 'string' ? value[0] : undefined;
  return typeof value === 'string' ? value : typeof value === 'number' ? String(value) : undefined;
}

/** The wait a 429 asks for: until `X-RateLimit-Reset` (unix s), else `Retry-After`; `null` when neither says. */
export function rateLimitWaitMs(headers: unknown, now: Date = new Date()): number | null {
  const reset = Number(headerOf(headers, 'x-ratelimit-reset'));
  if (Number.isFinite(reset) && reset > 0) return Math.max(0, reset * 1000 - now.getTime());
  return parseRetryAfterMs(headerOf(headers, 'retry-after'), now);
}

function errorEntries(body: unknown): SendgridErrorEntry[] {
  const parsed = errorEnvelopeSchema.safeParse(body);
  return parsed.success ? parsed.data.errors.map((e) => ({ message: e.message, field: e.field ?? null })) : [];
}

/** Any failure of `mail.send` as a `MailExchange`. */
export function classifyFailure(error: unknown, timeoutMs: number): MailExchange {
  const e = error as {
    code?: unknown;
    response?: { headers?: unknown; body?: unknown };
    isAxiosError?: unknown;
    message?: unknown;
  };
  if (typeof e?.code === 'number' && e.response) {
    // The SDK's ResponseError: `code` is the HTTP status, `response.body` SendGrid's envelope.
    const status = e.code;
    if (status >= 500) return { kind: 'lost', status, reason: `HTTP ${status}` };
    return {
      kind: 'refused',
      status,
      errors: errorEntries(e.response.body),
      retryAfterMs: status === 429 ? rateLimitWaitMs(e.response.headers) : null,
    };
  }
  const message = typeof e?.message === 'string' ? e.message : String(error);
  if (e?.isAxiosError === true) {
    const code = typeof e.code === 'string' ? e.code : '';
    if (NOT_CONNECTED.has(code)) return { kind: 'unsent', reason: `${code}: ${message}` };
    if (TIMED_OUT.has(code)) return { kind: 'lost', status: null, reason: `timeout after ${timeoutMs} ms` };
    return { kind: 'lost', status: null, reason: code ? `${code}: ${message}` : message };
  }
  return { kind: 'invalid', reason: message };
}

export interface SendgridMailClient {
  /** One Mail Send exchange (`attempt` 1 for the first, 2 for the first retry…), classified. */
  send(request: MailDataRequired, attempt: number): Promise<MailExchange>;
}

export function createSendgridMailClient(connection: SendgridConnection, options: AdapterOptions = {}): SendgridMailClient {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  let mailService: Promise<MailService> | undefined;
  /** The SDK's mail service for this connection, built on the first send and shared by every later one. */
  const mailer = (): Promise<MailService> => {
    mailService ??= Promise.all([sendgridClientSdk.load(), sendgridMailSdk.load()]).then(([{ Client }, { MailService }]) => {
      const client = new Client();
      client.setApiKey(connection.apiKey); // resets baseUrl to the public host: set ours after it
      // `timeout` and `proxy` are axios options the SDK's types do not list; it merges them into every request.
      const defaults: ClientRequest & { timeout: number; proxy: false } = {
        url: '',
        baseUrl: connection.baseUrl,
        timeout: timeoutMs,
        proxy: false,
      };
      client.setDefaultRequest(defaults);
      const mail = new MailService();
      mail.setClient(client);
      return mail;
    });
    // A failed import (a missing package) is not kept: the next send tries again.
    mailService.catch(() => {
      mailService = undefined;
    });
    return mailService;
  };
  const limit = keyLimiter(connection);

  return {
    send: (request, attempt) =>
      limit(async () => {
        // Before the budget is asked: a send that cannot load the SDK spends no exchange.
        const mail = await mailer();
        const done = await options.upstreamBudget?.beforeExchange({ endpoint: MAIL_SEND_ENDPOINT, attempt });
        const started = performance.now();
        let exchange: MailExchange;
        try {
          const [response] = await mail.send(request);
          exchange = {
            kind: 'accepted',
            status: response.statusCode,
            messageId: headerOf(response.headers, 'x-message-id') ?? null,
            at: new Date(),
          };
        } catch (error) {
          exchange = classifyFailure(error, timeoutMs);
        }
        const status =
          exchange.kind === 'accepted' || exchange.kind === 'refused'
            ? exchange.status
            : exchange.kind === 'lost'
              ? exchange.status
              : null;
        const retryAfterMs = exchange.kind === 'refused' ? exchange.retryAfterMs : null;
        void done?.(status, retryAfterMs);
        options.onUpstreamCall?.({
          endpoint: MAIL_SEND_ENDPOINT,
          method: 'POST',
          status,
          durationMs: performance.now() - started,
          attempt,
        });
        return exchange;
      }),
  };
}
