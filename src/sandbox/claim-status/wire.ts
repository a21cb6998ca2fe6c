/**
 * Stedi's Real-Time Claim Status v2 JSON shapes: the 200 answer (claims, or the payer's
 * `errorResponse`), and the error bodies of 400/403/404/429/5xx.
 */
import { randomUUID } from 'node:crypto';
import { decimalText, readAmount } from '../shared/wire-money';
import { CATEGORY_TEXT, PAYERS, type Rejection, STATUS_TEXT } from './seed';
import type { ClaimAnswer } from './sim';
import type { ClaimStatusInquiry } from './validate';

/** Categories whose answers carry no payer claim number (the payer has not taken the claim in). */
const WITHOUT_PAYER_NUMBER = /^(A1|A4|E.*)$/;

function claimJson(answer: ClaimAnswer, inquiry: ClaimStatusInquiry): Record<string, unknown> {
  const { claim, step, effectiveDate } = answer;
  const encounter = inquiry.encounter;
  const submittedCents = claim
    ? claim.lines.reduce((sum, line) => sum + line.submitted, 0)
    : encounter?.submittedAmount !== undefined
      ? readAmount(encounter.submittedAmount)
      : null;
  const from = claim?.serviceFrom ?? encounter?.beginningDateOfService;
  const to = claim?.serviceTo ?? encounter?.endDateOfService ?? from;
  const serviceDate = from ? (to && to !== from ? `${from}-${to}` : from) : undefined;
  const account = claim?.patientAccountNumber ?? encounter?.patientAccountNumber;
  const paid = step.amountPaid ?? null;
  const paidDate = step.paidDate === true ? effectiveDate : step.paidDate;
  const values = {
    statusCategoryCode: step.statusCategoryCode,
    statusCategoryCodeValue: CATEGORY_TEXT[step.statusCategoryCode] ?? step.statusCategoryCode,
    statusCode: step.statusCode,
    statusCodeValue: STATUS_TEXT[step.statusCode] ?? step.statusCode,
    entityCode: step.entityCode ?? 'PR',
    entity: 'Payer',
    effectiveDate,
  };
  const status = {
    ...values,
    ...(serviceDate ? { claimServiceDate: serviceDate } : {}),
    ...(submittedCents !== null ? { submittedAmount: decimalText(submittedCents) } : {}),
    ...(paid !== null ? { amountPaid: decimalText(paid) } : {}),
    ...(paidDate ? { paidDate } : {}),
    ...(step.checkNumber ? { checkIssueDate: paidDate ?? effectiveDate, checkNumber: step.checkNumber } : {}),
    ...(claim && account && !WITHOUT_PAYER_NUMBER.test(step.statusCategoryCode)
      ? { tradingPartnerClaimNumber: `PCN-${account}` }
      : {}),
    ...(account ? { patientAccountNumber: account } : {}),
    ...(claim ? { clearingHouseClaimNumber: `CH${claim.patientAccountNumber.replace(/\D/g, '').padStart(8, '0')}` } : {}),
    ...(encounter?.trackingNumber ? { trackingNumber: encounter.trackingNumber } : {}),
  };
  const details = (claim?.lines ?? []).map((line, index) => {
    const linePaid = paid === null ? null : (step.linesPaid?.[index] ?? (index === 0 ? paid : 0));
    return {
      service: {
        procedureId: line.procedureId,
        submittedAmount: decimalText(line.submitted),
        ...(linePaid !== null ? { amountPaid: decimalText(linePaid) } : {}),
      },
      status: [{ ...values }],
    };
  });
  return { claimStatus: status, ...(details.length ? { serviceDetails: details } : {}) };
}

/** The common head of a 200 answer. */
function head(inquiry: ClaimStatusInquiry) {
  const payerId = inquiry.tradingPartnerServiceId;
  const provider = inquiry.providers[0]!;
  return {
    controlNumber: inquiry.controlNumber ?? '000000001',
    tradingPartnerServiceId: payerId,
    payer: { organizationName: PAYERS[payerId] ?? payerId, payerIdentification: payerId },
    providers: [
      {
        providerType: provider.providerType,
        ...(provider.npi ? { npi: provider.npi } : {}),
        ...(provider.organizationName ? { organizationName: provider.organizationName } : {}),
        ...(provider.lastName ? { lastName: provider.lastName } : {}),
      },
    ],
  };
}

/**
 * A fake raw X12 277 carrying the member id, as Stedi's `x12` field does: a gateway that logs this
 * field leaks PHI, which tests can detect.
 */
function x12(inquiry: ClaimStatusInquiry): string {
  return `ISA*00*SANDBOX~ST*277*0001*005010X212~NM1*IL*1*${inquiry.subscriber.lastName}*${inquiry.subscriber.firstName}****MI*${inquiry.subscriber.memberId}~SE*3*0001~`;
}

const meta = () => ({ traceId: randomUUID(), applicationMode: 'sandbox' });

export function claimsAnswerJson(inquiry: ClaimStatusInquiry, answers: ClaimAnswer[]): Record<string, unknown> {
  return { ...head(inquiry), claims: answers.map((answer) => claimJson(answer, inquiry)), x12: x12(inquiry), meta: meta() };
}

export function rejectionJson(inquiry: ClaimStatusInquiry, rejection: Rejection): Record<string, unknown> {
  return {
    ...head(inquiry),
    errorResponse: { errors: [{ ...rejection, field: 'AAA', location: inquiry.dependent ? 'Loop 2100E' : 'Loop 2100D' }] },
    x12: x12(inquiry),
    meta: meta(),
  };
}

/** Stedi's error bodies. */
export const validationJson = (message: string) => ({ code: 'ValidationException', message });
export const accessDeniedJson = () => ({ message: 'Forbidden: missing or invalid API key' });

export function faultJson(status: number, text: string | null): Record<string, unknown> {
  if (status === 429) return { code: 'ThrottlingException', message: text ?? 'Too Many Requests' };
  if (status === 504) return { message: text ?? 'Endpoint request timed out' };
  if (status === 503) return { message: text ?? 'Service Unavailable' };
  if (status >= 500) return { message: text ?? 'Internal Server Error' };
  return { message: text ?? `Injected fault (${status})` };
}
