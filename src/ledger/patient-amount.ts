/**
 * A charge's patient amount: what the patient owes on one charge once insurance is accounted for.
 *
 *     chargePatientAmount({ fee: 10000, statedPatientAmount: null, claimPayouts: [
 *       { claimSourceId: 'c1', estimatedInsurancePayment: 6000, writeOff: 1000, … },
 *     ] }, () => 'PENDING')   // 3000
 *
 * Rules (README.md here, "A charge's patient amount"): a payout whose claim is still PENDING
 * subtracts the insurance payment estimate and the write-off; once ADJUDICATED it subtracts only the
 * write-off (the real insurance payment is a negative payment row of its own); a VOID (canceled)
 * claim subtracts nothing. A claim whose stage is unknown counts as PENDING: the estimate is the best
 * figure there is.
 */
import type { ChargeRecord, ClaimPayoutRecord, ClaimRecord, ClaimStage, Cents } from './records';
import { MoneyError, assertCents, subtractCents, sumCents } from './money';

/** Looks up a claim's stage by its source id; `undefined` for a claim the caller does not know. */
export type ClaimStageLookup = (claimSourceId: string) => ClaimStage | undefined;

/** The fields of a charge the patient amount depends on. */
export type PatientAmountCharge = Pick<ChargeRecord, 'fee' | 'claimPayouts' | 'statedPatientAmount'>;

/** The stage that decides a payout's effect: the claim's own stage, or PENDING when it is unknown. */
export function effectiveStage(stageOf: ClaimStageLookup, claimSourceId: string): ClaimStage {
  return stageOf(claimSourceId) ?? 'PENDING';
}

/**
 * What one claim payout takes off the charge's fee at the given stage:
 * PENDING → estimate + write-off, ADJUDICATED → write-off, VOID → 0.
 */
export function payoutDeduction(
  payout: Pick<ClaimPayoutRecord, 'estimatedInsurancePayment' | 'writeOff'>,
  stage: ClaimStage,
): Cents {
  switch (stage) {
    case 'PENDING':
      return sumCents([payout.estimatedInsurancePayment, payout.writeOff]);
    case 'ADJUDICATED':
      return assertCents(payout.writeOff, 'a write-off');
    case 'VOID':
      return 0;
    default:
      throw new MoneyError(`unknown claim stage ${JSON.stringify(stage satisfies never)}`);
  }
}

/**
 * The patient amount of a charge: the system's stated amount when it states one, otherwise
 * `fee − Σ payoutDeduction(payout, stage of its claim)`. Exact; a MoneyError on non-cent input.
 */
export function chargePatientAmount(charge: PatientAmountCharge, stageOf: ClaimStageLookup): Cents {
  if (charge.statedPatientAmount !== null) {
    return assertCents(charge.statedPatientAmount, 'a stated patient amount');
  }
  const deductions = charge.claimPayouts.map((payout) => payoutDeduction(payout, effectiveStage(stageOf, payout.claimSourceId)));
  return subtractCents(charge.fee, sumCents(deductions));
}

/** A charge's insurance figures, split the way the patient amount uses them. */
export interface ChargeInsuranceFigures {
  /** Σ estimated insurance payment over payouts whose claim is PENDING (or unknown). */
  paymentEstimate: Cents;
  /** Σ write-off over payouts whose claim is PENDING (or unknown): still an estimate. */
  writeOffEstimate: Cents;
  /** Σ write-off over payouts whose claim is ADJUDICATED: written off for good. */
  writeOff: Cents;
}

/**
 * The figures behind a computed patient amount. VOID payouts count nowhere. When the charge has
 * no stated amount, `chargePatientAmount = fee − paymentEstimate − writeOffEstimate − writeOff`.
 */
export function chargeInsuranceFigures(
  charge: Pick<ChargeRecord, 'claimPayouts'>,
  stageOf: ClaimStageLookup,
): ChargeInsuranceFigures {
  const pending: ClaimPayoutRecord[] = [];
  const adjudicated: ClaimPayoutRecord[] = [];
  for (const payout of charge.claimPayouts) {
    const stage = effectiveStage(stageOf, payout.claimSourceId);
    if (stage === 'PENDING') pending.push(payout);
    else if (stage === 'ADJUDICATED') adjudicated.push(payout);
  }
  return {
    paymentEstimate: sumCents(pending.map((p) => p.estimatedInsurancePayment)),
    writeOffEstimate: sumCents(pending.map((p) => p.writeOff)),
    writeOff: sumCents(adjudicated.map((p) => p.writeOff)),
  };
}

/** A {@link ClaimStageLookup} over a list of claims (unknown ids → `undefined`). */
export function claimStageLookup(claims: ReadonlyArray<Pick<ClaimRecord, 'sourceId' | 'stage'>>): ClaimStageLookup {
  const stages = new Map<string, ClaimStage>();
  for (const claim of claims) stages.set(claim.sourceId, claim.stage);
  return (claimSourceId) => stages.get(claimSourceId);
}
