/**
 * The Availity eligibility adapter (Coverages API 1.0.0): `checkEligibility` posts one coverage
 * inquiry, `pollEligibility` reads one back; the payer's answer is flattened into the port's rows
 * (`mapping.ts`), never interpreted here. What a coverage's `statusCode` becomes:
 *
 * | statusCode | answer |
 * |---|---|
 * | `0` in progress, `R1` retrying | `PENDING` with the coverage id (poll it; never post again) |
 * | `4` complete | `ANSWERED` |
 * | `3` complete, invalid response | `ANSWERED`, `complete: false` (`PARTIAL`) |
 * | `19` request error | `REJECTED` with the payer's AAA reasons |
 * | `7`, `13`, `14`, `15`, any other | `UpstreamError` `UPSTREAM_UNAVAILABLE` |
 *
 * HTTP: 400 → `BAD_USER_INPUT` naming the fields; 401 → a new token once, then unavailable; 403 →
 * `UPSTREAM_REJECTED`; 404 on a poll → `NOT_FOUND` (the coverage expired: post again); 415 →
 * `UPSTREAM_REJECTED` (a bug here); 429 → the client's retry rule; 5xx → `UPSTREAM_UNAVAILABLE`.
 * A request is checked before it leaves (`request-checks.ts`): a bad one sends nothing.
 */
import { RuleViolation } from '../../../ledger/violation';
import { UpstreamError } from '../../ledger/port';
import type { HttpResponse } from '../../http';
import { safeJson } from '../safe-json';
import type { CoverageAdapterFor, EligibilityAnswer, EligibilityRequest, SubscriberRelationship } from '../port';
import { echoMasker } from '../privacy';
import { checkRequest, coveredPersonSchema, isoDateSchema, memberIdSchema, npiSchema, payerIdSchema } from '../request-checks';
import { z } from 'zod';
import { AvailityClient, type AvailityClientOptions, transactionOf } from './client';
import type { AvailityConnection } from './connection';
import { benefitsOf, portField, rejectionsOf } from './mapping';
import { type AvailityCoverage, coverageSchema, errorResponseSchema } from './schemas';

export const availityCapabilities = { eligibility: true, claimStatusInquiry: false, asyncPolling: true } as const;

const RELATIONSHIP_CODES: Record<SubscriberRelationship, string> = { SELF: '18', SPOUSE: '01', CHILD: '19', OTHER: 'G8' };

const eligibilityRequestSchema = z.object({
  payerId: payerIdSchema,
  provider: z.object({ npi: npiSchema, name: z.string().trim().min(1, 'expected the provider or organization name') }),
  member: z.object({ memberId: memberIdSchema, groupNumber: z.string().trim().min(1).nullable() }),
  patient: coveredPersonSchema,
  relationship: z.enum(['SELF', 'SPOUSE', 'CHILD', 'OTHER']),
  asOfDate: isoDateSchema,
  serviceTypeCodes: z.array(z.string().regex(/^[A-Z0-9]{1,2}$/, 'expected X12 service type codes of 1 or 2 characters')).min(1),
});

/** The `POST /coverages` form: Availity's field names, `serviceType` repeated once per code. */
export function coverageForm(request: EligibilityRequest): string {
  const form = new URLSearchParams();
  form.append('payerId', request.payerId);
  form.append('providerNpi', request.provider.npi);
  form.append('providerLastName', request.provider.name);
  form.append('memberId', request.member.memberId);
  form.append('patientLastName', request.patient.lastName);
  form.append('patientFirstName', request.patient.firstName);
  form.append('patientBirthDate', request.patient.dateOfBirth);
  if (request.patient.gender !== null) form.append('patientGender', request.patient.gender);
  form.append('subscriberRelationship', RELATIONSHIP_CODES[request.relationship]);
  form.append('asOfDate', request.asOfDate);
  for (const code of request.serviceTypeCodes) form.append('serviceType', code);
  if (request.member.groupNumber !== null) form.append('groupNumber', request.member.groupNumber);
  return form.toString();
}

/** Pending inquiries remembered per adapter (their payer id and what to mask in their answer). */
const MAX_REMEMBERED = 1_000;

/** What the adapter remembers of an inquiry it posted, to read its answer back (payer id, what to mask). */
interface Posted {
  payerId: string;
  mask: (text: string) => string;
}

export function createAvailityAdapter(
  connection: AvailityConnection,
  options: AvailityClientOptions = {},
): CoverageAdapterFor<'eligibility'> {
  const client = new AvailityClient(connection, options);
  // Bounded: an inquiry is forgotten here once answered; a poll of an id this process never posted
  // (another instance, a restart) masks with the request the caller passes, or nothing without one.
  const posted = new Map<string, Posted>();
  const noEcho = echoMasker({ memberIds: [], other: [] });
  const remember = (id: string, context: Posted) => {
    posted.delete(id);
    posted.set(id, context);
    // Inquiries the payer never answers are not polled forever: keep the newest only.
    if (posted.size > MAX_REMEMBERED) posted.delete(posted.keys().next().value as string);
  };

  function postedOf(request: EligibilityRequest): Posted {
    return {
      payerId: request.payerId,
      mask: echoMasker({
        memberIds: [request.member.memberId],
        other: [request.patient.firstName, request.patient.lastName, request.patient.dateOfBirth],
      }),
    };
  }

  function answerOf(res: HttpResponse, context: Posted, endpoint: string): EligibilityAnswer {
    const parsed = coverageSchema.safeParse(safeJson(res.text));
    if (!parsed.success) {
      throw new UpstreamError(
        `Availity answered ${endpoint} with HTTP ${res.status} and an unreadable coverage${transactionOf(res)}`,
        'UPSTREAM_UNAVAILABLE',
        res.status,
        endpoint,
      );
    }
    const coverage: AvailityCoverage = parsed.data;
    const { id, statusCode } = coverage;
    switch (statusCode) {
      case '0':
      case 'R1':
        remember(id, context);
        return { state: 'PENDING', inquiryId: id, retrying: statusCode === 'R1', expiresAt: coverage.expirationDate };
      case '4':
      case '3':
        posted.delete(id);
        return { state: 'ANSWERED', inquiryId: id, benefits: benefitsOf(coverage, context.payerId, statusCode === '4') };
      case '19':
        posted.delete(id);
        return { state: 'REJECTED', inquiryId: id, reasons: rejectionsOf(coverage, context.mask) };
      default:
        posted.delete(id);
        throw new UpstreamError(
          `Availity coverage ${id} ended with status ${JSON.stringify(statusCode.slice(0, 8))} (${context.mask(coverage.status ?? 'communication error')}): the payer could not be reached; try again later${transactionOf(res)}`,
          'UPSTREAM_UNAVAILABLE',
          res.status,
          endpoint,
        );
    }
  }

  function failure(res: HttpResponse, endpoint: string, mask: (text: string) => string): never {
    const where = `Availity ${endpoint}`;
    if (res.status === 400) {
      const body = errorResponseSchema.safeParse(safeJson(res.text));
      const errors = body.success ? body.data.errors : [];
      const fields = errors.map((e) => `${portField(e.field) ?? e.field ?? '(request)'}: ${mask(e.errorMessage ?? 'invalid')}`);
      const summary =
        fields.length > 0
          ? fields.join('; ')
          : mask(body.success ? (body.data.userMessage ?? 'invalid request') : 'invalid request');
      throw new RuleViolation({
        code: 'BAD_USER_INPUT',
        message: `Availity refused the eligibility inquiry: ${summary}`,
        details: { fields: errors.map((e) => portField(e.field) ?? e.field ?? '').join(',') },
      });
    }
    if (res.status === 403) {
      throw new UpstreamError(
        `${where}: the application is not subscribed to the Coverages product (HTTP 403)${transactionOf(res)}`,
        'UPSTREAM_REJECTED',
        403,
        endpoint,
      );
    }
    if (res.status === 404) {
      throw new UpstreamError(
        `${where}: the coverage is gone (expired); post the inquiry again${transactionOf(res)}`,
        'NOT_FOUND',
        404,
        endpoint,
      );
    }
    if (res.status === 415) {
      throw new UpstreamError(
        `${where}: HTTP 415, the adapter sent a body Availity does not take (a bug)`,
        'UPSTREAM_REJECTED',
        415,
        endpoint,
      );
    }
    throw new UpstreamError(
      `${where} answered HTTP ${res.status}${transactionOf(res)}`,
      'UPSTREAM_UNAVAILABLE',
      res.status,
      endpoint,
    );
  }

  return {
    system: 'availity',
    capabilities: availityCapabilities,

    async connect() {
      await client.accessToken();
    },

    async checkEligibility(request) {
      checkRequest(eligibilityRequestSchema, request, 'eligibility inquiry');
      const context = postedOf(request);
      const res = await client.call('POST', '/coverages', '/coverages', coverageForm(request));
      if (res.status !== 200 && res.status !== 202) failure(res, '/coverages', context.mask);
      return answerOf(res, context, '/coverages');
    },

    async pollEligibility(inquiryId, request) {
      if (!/^[A-Za-z0-9_-]{1,64}$/.test(inquiryId)) {
        throw new RuleViolation({
          code: 'BAD_USER_INPUT',
          message: 'expected an Availity coverage id (up to 64 letters, digits, _ or -)',
        });
      }
      // An inquiry another instance posted (or this one before a restart): the caller's request says
      // what the payer may echo, so its texts are masked all the same.
      if (request) checkRequest(eligibilityRequestSchema, request, 'eligibility inquiry');
      const context = posted.get(inquiryId) ?? (request ? postedOf(request) : { payerId: '', mask: noEcho });
      const res = await client.call('GET', `/coverages/${encodeURIComponent(inquiryId)}`, '/coverages/{id}');
      if (res.status !== 200) failure(res, '/coverages/{id}', context.mask);
      return answerOf(res, context, '/coverages/{id}');
    },

    async close() {
      posted.clear();
      await client.close();
    },
  };
}
