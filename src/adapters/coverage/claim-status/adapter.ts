/**
 * The claim-status adapter (real-time claim status JSON, v2, the 276/277 one-to-one; the
 * `office-ally` connection): one `POST /change/medicalnetwork/claimstatus/v2` per inquiry,
 * answered at once. What comes back:
 *
 * | answer | port |
 * |---|---|
 * | 200 with `claims[]` | `ANSWERED` with one row per claim (possibly none) |
 * | 200 with `errorResponse.errors[]` and no claim (the payer's AAA) | `REJECTED` with the reasons |
 * | 400 ValidationException (bad NPI, date, missing field) | `UpstreamError` `UPSTREAM_REJECTED`, status 400: the claim needs attention |
 * | 403 (key) | `UPSTREAM_REJECTED`, status 403 |
 * | 404 (unknown payer id) | `UPSTREAM_REJECTED`, status 404: the claim needs attention |
 * | 429 | `Retry-After`, else 2 s, 4 s, 8 s (+ jitter); then `UPSTREAM_UNAVAILABLE`, status 429 |
 * | 5xx, timeout (65 s), no answer | `UPSTREAM_UNAVAILABLE` (an inquiry changes nothing: the next cycle asks again) |
 *
 * A request is checked before it leaves (`request-checks.ts`: NPI check digit, dates, member id,
 * amounts): a bad one is `BAD_USER_INPUT` and sends nothing. Member ids, names and birth dates never
 * reach an error text (masked even when echoed).
 */
import { createHash, randomInt } from 'node:crypto';
import { z } from 'zod';
import {
  createLimiter,
  type HttpResponse,
  HttpTransport,
  type Limiter,
  parseRetryAfterMs,
  retry,
  sendReported,
  TransportError,
} from '../../http';
import { UpstreamError } from '../../ledger/port';
import type { AdapterOptions } from '../../system';
import type { ClaimStatusRequest, CoverageAdapterFor } from '../port';
import { echoMasker } from '../privacy';
import { safeJson } from '../safe-json';
import { checkRequest, coveredPersonSchema, isoDateSchema, memberIdSchema, npiSchema, payerIdSchema } from '../request-checks';
import type { ClaimStatusConnection } from './connection';
import { answerOf, compactDate, inquiryBody } from './mapping';
import { CLAIM_STATUS_MAX_IN_FLIGHT } from './rate-limits';
import { claimStatusResponseSchema, errorBodySchema } from './schemas';

export const claimStatusCapabilities = { eligibility: false, claimStatusInquiry: true, asyncPolling: false } as const;

export const CLAIM_STATUS_PATH = '/change/medicalnetwork/claimstatus/v2';
/** Default total time of one inquiry: the payer is asked in real time. */
export const DEFAULT_TIMEOUT_MS = 65_000;
/** Retries of a 429 before the claim waits for the next cycle. */
export const MAX_429_RETRIES = 3;
/** The longest `Retry-After` honoured; a longer one leaves the claim to the next cycle. */
export const MAX_RETRY_AFTER_MS = 60_000;

export interface ClaimStatusAdapterOptions extends AdapterOptions {
  /** Waits between 429 retries. Default: a timer. */
  sleep?: (ms: number) => Promise<void>;
  /** Jitter source in [0, 1). Default `Math.random`. */
  random?: () => number;
  /** The inquiry's control number. Default: 9 random digits. */
  controlNumber?: () => string;
}

const text = (max: number) => z.string().trim().min(1).max(max);

const claimStatusRequestSchema = z
  .object({
    claimSourceId: z.string().min(1),
    payerId: payerIdSchema,
    billingProvider: z
      .object({
        npi: npiSchema,
        organizationName: text(60).nullable(),
        lastName: text(60).nullable(),
        firstName: text(35).nullable(),
        taxId: z
          .string()
          .regex(/^\d{9}$/, 'expected a 9-digit tax id')
          .nullable(),
      })
      .refine((p) => p.organizationName !== null || (p.lastName !== null && p.firstName !== null), {
        message: 'expected an organizationName, or a lastName and a firstName',
      }),
    subscriber: coveredPersonSchema.extend({ memberId: memberIdSchema }),
    dependent: coveredPersonSchema.nullable(),
    serviceFrom: isoDateSchema,
    serviceTo: isoDateSchema,
    billed: z.number().int('expected cents').positive('expected a positive billed amount').max(Number.MAX_SAFE_INTEGER),
    patientControlNumber: text(38),
    payerClaimControlNumber: text(50).nullable(),
    traceNumber: text(50).nullable(),
  })
  .refine((r) => r.serviceFrom <= r.serviceTo, { message: 'expected serviceFrom on or before serviceTo', path: ['serviceTo'] });

/** In-flight limits per connection (base URL + key hash), shared by every adapter on it in this process. */
const limiters = new Map<string, Limiter>();

function limiterFor(connection: ClaimStatusConnection): Limiter {
  const key = `${connection.baseUrl}\n${createHash('sha256').update(connection.apiKey).digest('hex')}`;
  let limiter = limiters.get(key);
  if (!limiter) {
    limiter = createLimiter(CLAIM_STATUS_MAX_IN_FLIGHT);
    limiters.set(key, limiter);
  }
  return limiter;
}

export function createClaimStatusAdapter(
  connection: ClaimStatusConnection,
  options: ClaimStatusAdapterOptions = {},
): CoverageAdapterFor<'claimStatus'> {
  const http = new HttpTransport({ baseUrl: connection.baseUrl, connections: CLAIM_STATUS_MAX_IN_FLIGHT });
  const limit = limiterFor(connection);
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const random = options.random ?? Math.random;
  const controlNumber = options.controlNumber ?? (() => String(randomInt(100_000_000, 1_000_000_000)));
  let closed = false;

  async function post(body: unknown, attempt: number): Promise<HttpResponse> {
    if (closed) throw new UpstreamError('claim status: the adapter is closed', 'UPSTREAM_UNAVAILABLE', null, CLAIM_STATUS_PATH);
    try {
      return await limit(() =>
        sendReported(
          http,
          {
            method: 'POST',
            path: CLAIM_STATUS_PATH,
            headers: { authorization: `Key ${connection.apiKey}` },
            json: body,
            timeoutMs,
          },
          { endpoint: CLAIM_STATUS_PATH, attempt },
          options,
        ),
      );
    } catch (err) {
      if (!(err instanceof TransportError)) throw err;
      // The transport's text may quote the request; only the kind of failure is kept.
      throw new UpstreamError(
        `claim status: no answer (${err.kind === 'timeout' ? `timed out after ${timeoutMs} ms` : 'network error'}); the claim keeps its schedule`,
        'UPSTREAM_UNAVAILABLE',
        null,
        CLAIM_STATUS_PATH,
      );
    }
  }

  return {
    system: 'office-ally',
    capabilities: claimStatusCapabilities,

    async connect() {
      // Nothing to authenticate ahead: the key travels with each inquiry, and an inquiry reaches a payer.
    },

    async inquireClaimStatus(request: ClaimStatusRequest) {
      checkRequest(claimStatusRequestSchema, request, 'claim-status inquiry');
      const mask = echoMasker({
        memberIds: [request.subscriber.memberId],
        other: [
          request.subscriber.firstName,
          request.subscriber.lastName,
          request.subscriber.dateOfBirth,
          compactDate(request.subscriber.dateOfBirth),
          request.dependent?.firstName,
          request.dependent?.lastName,
          request.dependent?.dateOfBirth,
          request.dependent ? compactDate(request.dependent.dateOfBirth) : null,
        ],
      });
      const control = controlNumber();
      const body = inquiryBody(request, control);
      // Only a 429 is retried: the API refused it before asking the payer.
      const res = await retry<HttpResponse>(
        async (attempt) => {
          const res = await post(body, attempt);
          if (res.status !== 429) return { done: true, value: res };
          const requested = parseRetryAfterMs(res.header('retry-after'));
          return {
            done: false,
            error: new UpstreamError(
              `claim status throttled (HTTP 429) ${attempt} times; the claim waits for the next cycle`,
              'UPSTREAM_UNAVAILABLE',
              429,
              CLAIM_STATUS_PATH,
            ),
            // A longer wait than the bound leaves the claim to the next cycle.
            retryable: !closed && (requested === null || requested <= MAX_RETRY_AFTER_MS),
            retryAfterMs: requested,
          };
        },
        {
          maxRetries: MAX_429_RETRIES,
          baseDelayMs: 2000,
          delayMs: (retryIndex) => 2000 * 2 ** retryIndex + Math.floor(random() * 250),
          maxRetryAfterMs: MAX_RETRY_AFTER_MS,
          mayRetry: () => options.upstreamBudget?.mayRetry() ?? true,
          sleep: options.sleep,
        },
      );
      if (res.status === 200) {
        const parsed = claimStatusResponseSchema.safeParse(safeJson(res.text));
        if (!parsed.success) {
          throw new UpstreamError(
            'claim status answered 200 with an unreadable body',
            'UPSTREAM_UNAVAILABLE',
            200,
            CLAIM_STATUS_PATH,
          );
        }
        return answerOf(parsed.data, request, control, mask);
      }
      const error = errorBodySchema.safeParse(safeJson(res.text));
      const said = error.success && error.data.message ? `: ${mask(error.data.message).slice(0, 300)}` : '';
      if (res.status === 400) {
        throw new UpstreamError(
          `claim status refused the inquiry as invalid (HTTP 400${said}); the claim needs attention`,
          'UPSTREAM_REJECTED',
          400,
          CLAIM_STATUS_PATH,
        );
      }
      if (res.status === 401 || res.status === 403) {
        throw new UpstreamError(
          `claim status refused the API key (HTTP ${res.status})`,
          'UPSTREAM_REJECTED',
          res.status,
          CLAIM_STATUS_PATH,
        );
      }
      if (res.status === 404) {
        throw new UpstreamError(
          `claim status does not know payer id ${JSON.stringify(request.payerId)} (HTTP 404${said}); the claim needs attention`,
          'UPSTREAM_REJECTED',
          404,
          CLAIM_STATUS_PATH,
        );
      }
      throw new UpstreamError(`claim status answered HTTP ${res.status}`, 'UPSTREAM_UNAVAILABLE', res.status, CLAIM_STATUS_PATH);
    },

    async close() {
      if (closed) return;
      closed = true;
      await http.close();
    },
  };
}
