/**
 * Claims and their payouts: generic (Claim + `_revinclude`d ClaimResponse) and Epic
 * (ExplanationOfBenefit), as the adapter README's "Mapping" says.
 *
 *     const { claims, payoutsByCharge, insurancePayments } = mapGenericClaims(pid, claims, responses, charges);
 *     const { charges, claims, insurancePayments } = mapEobs(pid, eobs);
 */
import type { ChargeRecord, ClaimPayoutRecord, ClaimRecord, ClaimStage, ClaimStatus, PaymentRecord } from '../port';
import { firstCode, refId, refType, serviceDate, toDateTime } from './mapping-common';
import { moneyToCents } from './money';
import type { FhirChargeItem, FhirClaim, FhirClaimResponse, FhirEob } from './resources';

type Adjudication = NonNullable<NonNullable<FhirClaimResponse['item']>[number]['adjudication']>;

/** The amount of the adjudication with category `code` (any system: servers mix the HL7 and CARIN codes). */
function adjudicated(list: Adjudication | undefined, code: string, where: string): number | null {
  const a = (list ?? []).find((x) => (x.category.coding ?? []).some((c) => c.code === code));
  return a?.amount ? moneyToCents(a.amount, `${where} ${code}`) : null;
}

interface Lifecycle {
  status: ClaimStatus;
  stage: ClaimStage;
  adjudicated: boolean;
}

/** Claim status from the resource status and the latest response's outcome; `null` = skip (entered-in-error). */
export function claimLifecycle(status: string | undefined, outcome: string | null): Lifecycle | null {
  if (status === 'entered-in-error') return null;
  if (status === 'draft') return { status: 'DRAFT', stage: 'PENDING', adjudicated: false };
  if (status === 'cancelled') return { status: 'CANCELED', stage: 'VOID', adjudicated: false };
  if (outcome === 'complete' || outcome === 'partial') return { status: 'PAID', stage: 'ADJUDICATED', adjudicated: true };
  if (outcome === 'queued') return { status: 'RECEIVED', stage: 'PENDING', adjudicated: false };
  if (outcome === 'error') return { status: 'OPEN', stage: 'PENDING', adjudicated: false };
  if (outcome === null) return { status: 'SENT', stage: 'PENDING', adjudicated: false };
  return { status: 'UNKNOWN', stage: 'PENDING', adjudicated: false };
}

function claimRecord(args: {
  id: string;
  patientId: string;
  provider: string | undefined;
  life: Lifecycle;
  rawStatus: string;
  serviceDate: string | null;
  patientBalance: number | null;
  billed: number | null;
}): ClaimRecord {
  return {
    sourceId: args.id,
    patientSourceId: args.patientId,
    providerSourceId: refType(args.provider) === 'Practitioner' ? refId(args.provider) : null,
    status: args.life.status,
    rawStatus: args.rawStatus,
    stage: args.life.stage,
    serviceDate: args.serviceDate,
    patientBalance: args.patientBalance,
    clean: true,
    collectible: true,
    providerGroupId: null,
    departmentIds: [],
    billed: args.billed,
  };
}

function payout(
  claimId: string,
  billed: number,
  adj: Adjudication | undefined,
  adjudicatedNow: boolean,
  where: string,
): ClaimPayoutRecord {
  if (!adjudicatedNow) {
    return {
      claimSourceId: claimId,
      billedToInsurance: billed,
      estimatedInsurancePayment: 0,
      insurancePayment: 0,
      writeOff: 0,
      allowedAmount: null,
    };
  }
  const submitted = adjudicated(adj, 'submitted', where) ?? billed;
  const eligible = adjudicated(adj, 'eligible', where);
  const benefit = adjudicated(adj, 'benefit', where) ?? 0;
  return {
    claimSourceId: claimId,
    billedToInsurance: submitted,
    estimatedInsurancePayment: 0,
    insurancePayment: benefit,
    writeOff: eligible === null ? 0 : Math.max(0, submitted - eligible),
    allowedAmount: eligible,
  };
}

export interface MappedClaims {
  claims: ClaimRecord[];
  /** Charge id → the payouts of the claims that carry it. */
  payoutsByCharge: Map<string, ClaimPayoutRecord[]>;
  insurancePayments: PaymentRecord[];
}

/** Generic: Claims with their ClaimResponses, matched to the patient's ChargeItems. */
export function mapGenericClaims(
  patientId: string,
  claims: readonly FhirClaim[],
  responses: readonly FhirClaimResponse[],
  charges: readonly FhirChargeItem[],
): MappedClaims {
  const out: MappedClaims = { claims: [], payoutsByCharge: new Map(), insurancePayments: [] };
  const claimed = new Set<string>();
  for (const claim of claims) {
    const latest = responses
      .filter((r) => refId(r.request?.reference, 'Claim') === claim.id)
      .sort((a, b) => (a.created ?? '').localeCompare(b.created ?? ''))
      .at(-1);
    const life = claimLifecycle(claim.status, latest ? (latest.outcome ?? 'unknown') : null);
    if (!life) continue;
    const where = `Claim ${claim.id}`;
    const items = [...(claim.item ?? [])].sort((a, b) => a.sequence - b.sequence);
    const billed = items.reduce((s, i) => s + (i.net ? moneyToCents(i.net, `${where} item net`) : 0), 0);
    out.claims.push(
      claimRecord({
        id: claim.id,
        patientId,
        provider: claim.provider?.reference,
        life,
        rawStatus: `${claim.status}/${latest ? (latest.outcome ?? 'unknown') : 'none'}`,
        serviceDate: serviceDate(claim.billablePeriod?.start ?? items[0]?.servicedDate),
        patientBalance: null,
        billed: items.length ? billed : claim.total ? moneyToCents(claim.total, `${where} total`) : null,
      }),
    );
    for (const item of items) {
      const code = firstCode(item.productOrService);
      const encounters = new Set((item.encounter ?? []).map((e) => e.reference));
      const charge = charges.find(
        (c) =>
          !claimed.has(c.id) &&
          c.context?.reference !== undefined &&
          encounters.has(c.context.reference) &&
          firstCode(c.code) === code,
      );
      if (!charge) continue;
      claimed.add(charge.id);
      const adj = latest?.item?.find((i) => i.itemSequence === item.sequence)?.adjudication;
      const itemBilled = item.net ? moneyToCents(item.net, `${where} item net`) : 0;
      const p = payout(claim.id, itemBilled, adj, life.adjudicated, where);
      out.payoutsByCharge.set(charge.id, [...(out.payoutsByCharge.get(charge.id) ?? []), p]);
      if (life.adjudicated && p.insurancePayment > 0 && latest) {
        out.insurancePayments.push(
          insuranceRow(
            `${latest.id}-${item.sequence}`,
            patientId,
            -p.insurancePayment,
            charge.id,
            claim.id,
            latest.payment?.date,
          ),
        );
      }
    }
    if (life.adjudicated && latest && !(latest.item ?? []).length && latest.payment?.amount) {
      const amount = moneyToCents(latest.payment.amount, `ClaimResponse ${latest.id} payment`);
      if (amount > 0)
        out.insurancePayments.push(insuranceRow(`${latest.id}-payment`, patientId, -amount, null, claim.id, latest.payment.date));
    }
  }
  return out;
}

function insuranceRow(
  sourceId: string,
  patientId: string,
  amount: number,
  chargeId: string | null,
  claimId: string,
  date: string | undefined,
): PaymentRecord {
  return {
    sourceId,
    patientSourceId: patientId,
    providerSourceId: null,
    chargeSourceId: chargeId,
    claimSourceId: claimId,
    paymentTypeSourceId: null,
    amount,
    paidAt: toDateTime(date),
    transactionId: null,
    fromInsurance: true,
  };
}

export interface MappedEobs {
  charges: ChargeRecord[];
  claims: ClaimRecord[];
  insurancePayments: PaymentRecord[];
}

/** Epic: each EOB item is a charge; the EOB is its claim; benefits are insurance payments. */
export function mapEob(patientId: string, eob: FhirEob): MappedEobs {
  const out: MappedEobs = { charges: [], claims: [], insurancePayments: [] };
  const life = claimLifecycle(eob.status, eob.outcome ?? 'unknown');
  if (!life) return out;
  const where = `ExplanationOfBenefit ${eob.id}`;
  const items = [...(eob.item ?? [])].sort((a, b) => a.sequence - b.sequence);
  let billed = 0;
  let liabilitySum = 0;
  for (const item of items) {
    const net = item.net ? moneyToCents(item.net, `${where} item net`) : null;
    const fee = adjudicated(item.adjudication, 'submitted', where) ?? net ?? 0;
    billed += fee;
    const p = payout(eob.id, fee, item.adjudication, life.adjudicated, where);
    const memberLiability = adjudicated(item.adjudication, 'memberliability', where);
    liabilitySum +=
      memberLiability ??
      (adjudicated(item.adjudication, 'copay', where) ?? 0) +
        (adjudicated(item.adjudication, 'deductible', where) ?? 0) +
        (adjudicated(item.adjudication, 'coinsurance', where) ?? 0);
    const chargeId = `${eob.id}-${item.sequence}`;
    const code = firstCode(item.productOrService);
    out.charges.push({
      sourceId: chargeId,
      patientSourceId: patientId,
      providerSourceId: refType(eob.provider?.reference) === 'Practitioner' ? refId(eob.provider?.reference) : null,
      procedureSourceId: code,
      procedureCode: code,
      description: item.productOrService?.text ?? item.productOrService?.coding?.[0]?.display ?? null,
      fee,
      serviceDate: serviceDate(item.servicedDate ?? item.servicedPeriod?.start ?? eob.billablePeriod?.start),
      claimPayouts: [p],
      claimSourceId: eob.id,
      statedPatientAmount: life.adjudicated ? memberLiability : null,
    });
    if (life.adjudicated && p.insurancePayment > 0) {
      out.insurancePayments.push(
        insuranceRow(`${chargeId}-ins`, patientId, -p.insurancePayment, chargeId, eob.id, eob.payment?.date),
      );
    }
  }
  const totalLiability = (eob.total ?? []).find((t) => (t.category.coding ?? []).some((c) => c.code === 'memberliability'));
  out.claims.push(
    claimRecord({
      id: eob.id,
      patientId,
      provider: eob.provider?.reference,
      life,
      rawStatus: `${eob.status ?? 'unknown'}/${eob.outcome ?? 'none'}`,
      serviceDate: serviceDate(eob.billablePeriod?.start ?? items[0]?.servicedDate),
      patientBalance: life.adjudicated
        ? totalLiability
          ? moneyToCents(totalLiability.amount, `${where} total`)
          : liabilitySum
        : null,
      billed,
    }),
  );
  return out;
}
