/**
 * `POST /v1/{practiceid}/patients/{patientid}/collectpayment`: a card payment in three steps, in the
 * spec's order. Reading the form rejects a bad request with a 400 (department, card fields, lengths,
 * amounts, appointment, claim eligibility); deciding answers 200 `success: "false"` for a duplicate,
 * an expired card or a declined one; applying an approved payment appends PAYMENT rows to the paid
 * claims' charges, credits unapplied and appointment amounts, records a receipt and remembers the
 * payment for the duplicate check (by a hash of the card number only).
 */
import { createHash } from 'node:crypto';
import { claimEligibleForPayment } from '../claim-eligibility';
import type { SandboxContext } from '../context';
import { fail, isForm, type RequestHeaders } from '../http';
import { findPatient, groups } from '../practice';
import { ATHENA_SEED_CARDS, chargePatientRemaining, type SimAppointment, type SimPatient, type SimPractice } from '../seed';
import { readAmount, type Cents } from '../../shared/wire-money';
import { mmddyyyy } from '../wire-values';

const CARD_FIELDS = ['accountnumber', 'expirationmonthmm', 'expirationyearyyyy', 'cardsecuritycode', 'billingzip'];
const DUPLICATE_WINDOW_MS = 24 * 3600_000;

interface ClaimPayment {
  claimid: string;
  amount: Cents;
}

/** A collectpayment form that passed every 400 check. */
interface CollectRequest {
  departmentid: string;
  copay: Cents;
  other: Cents;
  claimPayments: ClaimPayment[];
  claimTotal: Cents;
  /** copay + other + claim payments: what the duplicate check compares. */
  total: Cents;
  appt: SimAppointment | undefined;
  /** Spaces and dashes removed. */
  cardNumber: string;
  cardHash: string;
}

export function collectPayment(
  ctx: SandboxContext,
  practice: SimPractice,
  patientid: string,
  headers: RequestHeaders,
  body: string,
) {
  const p = findPatient(practice, patientid);
  if (!isForm(headers)) throw fail(400, 'Expected application/x-www-form-urlencoded.');
  const form = new URLSearchParams(body);
  const request = readCollectRequest(practice, p, form);
  const at = ctx.now();
  const declined = declineReason(ctx, practice, p, form, request, at);
  if (declined !== null) return { success: 'false', errortext: declined };
  const epaymentid = applyPayment(ctx, practice, p, request, at);
  return { success: 'true', epaymentid: Number(epaymentid) };
}

/** Every 400 check of the form, in the spec's order. */
function readCollectRequest(practice: SimPractice, p: SimPatient, form: URLSearchParams): CollectRequest {
  const departmentid = form.get('departmentid')?.trim() ?? '';
  if (!departmentid) throw fail(400, 'Missing departmentid.', 'departmentid is required.');
  if (!practice.departments.some((d) => d.departmentid === departmentid)) throw fail(400, 'Invalid departmentid.');
  for (const field of CARD_FIELDS) {
    if (!form.get(field)?.trim()) throw fail(400, 'Missing card information.', `${field} is required.`);
  }
  const nameoncard = form.get('nameoncard') ?? '';
  const billingaddress = form.get('billingaddress') ?? '';
  if (nameoncard.length > 30) throw fail(400, 'Invalid nameoncard.', 'At most 30 characters.');
  if (billingaddress.length > 20) throw fail(400, 'Invalid billingaddress.', 'At most 20 characters.');

  const copay = amountField(form, 'copayamount');
  const other = amountField(form, 'otheramount');
  const claimPayments = claimPaymentField(form);
  const claimTotal = claimPayments.reduce((s, c) => s + c.amount, 0);
  if (copay <= 0 && other <= 0 && claimTotal <= 0) {
    throw fail(400, 'At least one of copayamount, otheramount or claimpayment must be positive.');
  }
  const appointmentid = form.get('appointmentid')?.trim() || null;
  const appt = appointmentid ? practice.appointments.get(appointmentid) : undefined;
  if (appointmentid && (!appt || appt.patientid !== p.patientid)) throw fail(400, 'Invalid appointmentid.');
  if (copay > 0 && !appt) throw fail(400, 'Missing appointmentid.', 'copayamount requires appointmentid.');
  checkClaimsEligible(practice, p, claimPayments);

  const cardNumber = (form.get('accountnumber') ?? '').replace(/[\s-]/g, '');
  const cardHash = createHash('sha256').update(cardNumber).digest('hex');
  return { departmentid, copay, other, claimPayments, claimTotal, total: copay + other + claimTotal, appt, cardNumber, cardHash };
}

function amountField(form: URLSearchParams, name: string): Cents {
  const raw = form.get(name);
  if (raw === null || raw.trim() === '') return 0;
  const cents = readAmount(raw);
  if (cents === null) throw fail(400, `Invalid ${name}.`);
  if (cents < 0) throw fail(400, `Invalid ${name}.`, 'Amounts must not be negative.');
  return cents;
}

/** `claimpayment`: a JSON array (or a single object) of `{ "<claimid>": "<amount>" }`. */
function claimPaymentField(form: URLSearchParams): ClaimPayment[] {
  const claimPayments: ClaimPayment[] = [];
  const rawClaims = form.get('claimpayment');
  if (rawClaims === null || rawClaims.trim() === '') return claimPayments;
  let parsed: unknown;
  try {
    parsed = JSON.parse(rawClaims);
  } catch {
    throw fail(400, 'Invalid claimpayment.', 'claimpayment must be a JSON array such as [{"1001":"20.00"}].');
  }
  const list = Array.isArray(parsed) ? parsed : typeof parsed === 'object' && parsed !== null ? [parsed] : null;
  if (!list) throw fail(400, 'Invalid claimpayment.');
  for (const item of list) {
    if (typeof item !== 'object' || item === null || Array.isArray(item)) throw fail(400, 'Invalid claimpayment.');
    for (const [claimid, value] of Object.entries(item as Record<string, unknown>)) {
      if (typeof value !== 'string' && typeof value !== 'number') throw fail(400, 'Invalid claimpayment.');
      const cents = readAmount(value);
      if (cents === null) throw fail(400, 'Invalid claimpayment.');
      if (cents < 0) throw fail(400, 'Invalid claimpayment.', 'Amounts must not be negative.');
      claimPayments.push({ claimid, amount: cents });
    }
  }
  return claimPayments;
}

/**
 * Claim eligibility: clean, collectible group, not above the claim's patient balance (the sum of
 * every amount the request puts on one claim counts).
 */
function checkClaimsEligible(practice: SimPractice, p: SimPatient, claimPayments: readonly ClaimPayment[]): void {
  const perClaim = new Map<string, Cents>();
  for (const c of claimPayments) perClaim.set(c.claimid, (perClaim.get(c.claimid) ?? 0) + c.amount);
  for (const [claimid, amount] of perClaim) {
    if (
      !claimEligibleForPayment(
        practice,
        p,
        p.claims.find((c) => c.claimid === claimid),
        amount,
      )
    ) {
      throw fail(400, `Claim ${claimid} is not eligible for payment.`);
    }
  }
}

/**
 * Why a well-formed payment is not taken (`errortext` of a `success: "false"` answer), or `null` when
 * it is approved. The duplicate check comes before the card's expiration is even read (a malformed
 * expiration is still a 400, but only after it).
 */
function declineReason(
  ctx: SandboxContext,
  practice: SimPractice,
  p: SimPatient,
  form: URLSearchParams,
  { total, cardHash, cardNumber }: CollectRequest,
  at: Date,
): string | null {
  const t = at.getTime();
  const allowDuplicates = /^(true|1|y|yes)$/i.test(form.get('allowduplicatepayments') ?? '');
  if (
    !allowDuplicates &&
    ctx.duplicates.some(
      (d) =>
        d.practiceid === practice.practiceid &&
        d.patientid === p.patientid &&
        d.total === total &&
        d.cardHash === cardHash &&
        t - d.at < DUPLICATE_WINDOW_MS,
    )
  ) {
    return 'Duplicate payment';
  }
  const expMonth = Number(form.get('expirationmonthmm'));
  const expYear = Number(form.get('expirationyearyyyy'));
  if (!Number.isInteger(expMonth) || expMonth < 1 || expMonth > 12 || !Number.isInteger(expYear)) {
    throw fail(400, 'Invalid card expiration.');
  }
  if (expYear < at.getUTCFullYear() || (expYear === at.getUTCFullYear() && expMonth < at.getUTCMonth() + 1)) {
    return 'Card expired';
  }
  if (cardNumber !== ATHENA_SEED_CARDS.approves) return 'Card declined';
  return null;
}

/** Apply an approved payment to the simulated data; returns its epayment id. */
function applyPayment(ctx: SandboxContext, practice: SimPractice, p: SimPatient, request: CollectRequest, at: Date): string {
  const { state } = ctx;
  const { copay, other, claimTotal, appt } = request;
  const epaymentid = String(state.nextEpaymentId++);
  const date = mmddyyyy(at);
  for (const { claimid, amount } of request.claimPayments) {
    const claim = p.claims.find((c) => c.claimid === claimid)!;
    let left = amount;
    claim.charges.forEach((charge, i) => {
      if (left <= 0) return;
      const last = i === claim.charges.length - 1;
      const part = last ? left : Math.min(left, Math.max(0, chargePatientRemaining(charge)));
      if (part <= 0) return;
      charge.transactions.push({
        id: String(state.nextTransactionId++),
        date,
        amount: -part,
        type: 'PAYMENT',
        epaymentid,
        description: 'Card payment',
        transfertype: 'p',
      });
      left -= part;
    });
  }
  if (other > 0) {
    const first = groups(practice)[0]?.id ?? '';
    p.unapplied.set(first, (p.unapplied.get(first) ?? 0) + other);
  }
  if (appt) {
    appt.collectedforappointment += copay;
    appt.collectedforother += other + claimTotal;
  }
  practice.receipts.push({
    epaymentid,
    patientid: p.patientid,
    departmentid: request.departmentid,
    amount: request.total,
    type: 'PURCHASE',
    requestdate: at.toISOString(),
    cardnumberlast4digits: request.cardNumber.slice(-4),
  });
  ctx.duplicates.push({
    practiceid: practice.practiceid,
    patientid: p.patientid,
    total: request.total,
    cardHash: request.cardHash,
    at: at.getTime(),
  });
  return epaymentid;
}
