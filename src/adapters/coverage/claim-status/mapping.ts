/**
 * The port's claim-status request → the API's JSON body, and its answer → the port's rows (X12 277
 * terms), normalized but not interpreted. Request dates are `YYYYMMDD`; answer dates `YYYY-MM-DD`,
 * a claim's service date `YYYYMMDD` or `YYYYMMDD-YYYYMMDD`. Amounts are decimal strings read to
 * cents; absent stays `null` (absent is not 0).
 */
import { formatCents, parseWireAmount } from '../../../ledger/money';
import type {
  ClaimStatusAnswer,
  ClaimStatusLine,
  ClaimStatusRequest,
  ClaimStatusRow,
  CoveredPerson,
  PayerRejection,
} from '../port';
import type { ClaimStatusClaim, ClaimStatusResponse } from './schemas';

/** `2026-06-20` → `20260620`. */
export const compactDate = (date: string) => date.replaceAll('-', '');

/** `20260620` or `2026-06-20` → `2026-06-20`; `null` for anything else. */
export function isoDate(value: string | null): string | null {
  if (value === null) return null;
  const match = /^(\d{4})-?(\d{2})-?(\d{2})$/.exec(value);
  return match ? `${match[1]}-${match[2]}-${match[3]}` : null;
}

/** A claim's service date(s): `YYYYMMDD` or `YYYYMMDD-YYYYMMDD`. */
export function serviceDates(value: string | null): { from: string | null; to: string | null } {
  if (value === null) return { from: null, to: null };
  const range = /^(\d{8})-(\d{8})$/.exec(value);
  if (range) return { from: isoDate(range[1]!), to: isoDate(range[2]!) };
  const single = isoDate(value);
  return { from: single, to: single };
}

/**
 * Reads a claim's amounts: one it cannot read is `null` (never a guessed 0) and marks the reader
 * lossy, so the row says the payer's figures are partial instead of passing them off as absent.
 */
function amountReader() {
  const reader = {
    lossy: false,
    cents(value: string | null): number | null {
      if (value === null) return null;
      try {
        return parseWireAmount(value);
      } catch {
        reader.lossy = true;
        return null;
      }
    },
  };
  return reader;
}

const person = (p: CoveredPerson) => ({
  firstName: p.firstName,
  lastName: p.lastName,
  dateOfBirth: compactDate(p.dateOfBirth),
  ...(p.gender === null ? {} : { gender: p.gender }),
});

/** The inquiry's JSON body. `controlNumber` is the caller's (9 random digits). */
export function inquiryBody(request: ClaimStatusRequest, controlNumber: string): Record<string, unknown> {
  const provider = request.billingProvider;
  return {
    controlNumber,
    tradingPartnerServiceId: request.payerId,
    providers: [
      {
        providerType: 'BillingProvider',
        npi: provider.npi,
        ...(provider.organizationName !== null
          ? { organizationName: provider.organizationName }
          : { lastName: provider.lastName, firstName: provider.firstName }),
        ...(provider.taxId === null ? {} : { taxId: provider.taxId }),
      },
    ],
    subscriber: { memberId: request.subscriber.memberId, ...person(request.subscriber) },
    ...(request.dependent === null ? {} : { dependent: person(request.dependent) }),
    encounter: {
      beginningDateOfService: compactDate(request.serviceFrom),
      endDateOfService: compactDate(request.serviceTo),
      submittedAmount: formatCents(request.billed),
      patientAccountNumber: request.patientControlNumber,
      ...(request.payerClaimControlNumber === null ? {} : { tradingPartnerClaimNumber: request.payerClaimControlNumber }),
      ...(request.traceNumber === null ? {} : { trackingNumber: request.traceNumber }),
    },
  };
}

function lineOf(detail: ClaimStatusClaim['serviceDetails'][number], amounts: ReturnType<typeof amountReader>): ClaimStatusLine {
  return {
    procedureCode: detail.service?.procedureId ?? null,
    billed: amounts.cents(detail.service?.submittedAmount ?? null),
    paid: amounts.cents(detail.service?.amountPaid ?? null),
    statuses: detail.status.flatMap((s) =>
      s.statusCategoryCode === null
        ? []
        : [{ statusCategoryCode: s.statusCategoryCode, statusCode: s.statusCode, effectiveDate: isoDate(s.effectiveDate) }],
    ),
  };
}

/** One claim of the answer as a row; `null` when it carries no status category (nothing to read). */
export function rowOf(claim: ClaimStatusClaim): ClaimStatusRow | null {
  const stc = claim.claimStatus;
  if (!stc || stc.statusCategoryCode === null) return null;
  const dates = serviceDates(stc.claimServiceDate);
  const text = [stc.statusCategoryCodeValue, stc.statusCodeValue].filter((v): v is string => v !== null).join(': ');
  const amounts = amountReader();
  const lines = claim.serviceDetails.map((detail) => lineOf(detail, amounts));
  const row: ClaimStatusRow = {
    statusCategoryCode: stc.statusCategoryCode,
    statusCode: stc.statusCode,
    effectiveDate: isoDate(stc.effectiveDate),
    entityCode: stc.entityCode,
    statusText: text === '' ? null : text,
    serviceFrom: dates.from,
    serviceTo: dates.to,
    billed: amounts.cents(stc.submittedAmount),
    paid: amounts.cents(stc.amountPaid),
    paidDate: isoDate(stc.paidDate),
    checkIssueDate: isoDate(stc.checkIssueDate),
    checkNumber: stc.checkNumber,
    payerClaimControlNumber: stc.tradingPartnerClaimNumber,
    patientControlNumber: stc.patientAccountNumber,
    clearinghouseClaimNumber: stc.clearingHouseClaimNumber,
    traceNumber: stc.trackingNumber,
    lines,
  };
  return amounts.lossy ? { ...row, lossy: true } : row;
}

/** The payer's AAA reasons (`errorResponse.errors`), texts masked; the `field` the API gives (`AAA`) is no request field. */
function rejectionsOf(response: ClaimStatusResponse, mask: (text: string) => string): PayerRejection[] {
  return (response.errorResponse?.errors ?? []).map((error) => ({
    code: error.code ?? '',
    description: error.description === null ? null : mask(error.description),
    field: null,
    followUp: error.followupAction,
  }));
}

/** A 200 answer: `REJECTED` when the payer sent AAA errors and no claim, else `ANSWERED` with every claim it matched. */
export function answerOf(
  response: ClaimStatusResponse,
  request: ClaimStatusRequest,
  controlNumber: string,
  mask: (text: string) => string,
): ClaimStatusAnswer {
  const claims = response.claims.map(rowOf).filter((row): row is ClaimStatusRow => row !== null);
  const reasons = rejectionsOf(response, mask);
  if (reasons.length > 0 && claims.length === 0)
    return { state: 'REJECTED', controlNumber: response.controlNumber ?? controlNumber, reasons };
  return {
    state: 'ANSWERED',
    controlNumber: response.controlNumber ?? controlNumber,
    payer: { payerId: response.payer?.payerIdentification ?? request.payerId, name: response.payer?.organizationName ?? null },
    claims,
  };
}
