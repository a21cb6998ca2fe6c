/**
 * Reads that several resolvers share, each through the request's loaders: a patient's ledger rows
 * and the claim-stage lookup the ledger rules need. Kept in one place so every field that shows a
 * number computes it from the same rows, the same way.
 */
import type { ClaimRecord, PatientRecord } from '../../adapters/ledger/port';
import { asOutOfRange } from '../../ledger/amount-range';
import { claimStageLookup, type ClaimStageLookup } from '../../ledger/patient-amount';
import { patientBalanceOfRecords, type PatientBalance } from '../../ledger/patient-balance';
import type { GatewayContext } from '../context';
import { toGraphQLError } from '../errors';
import { whenKnown, type MaybePromise } from '../maybe-promise';
import { loadNow } from '../settled-cache';

/**
 * A computed figure (a balance, an aging, a reconciliation) for one field: a sum past the
 * safe-integer range becomes AMOUNT_OUT_OF_RANGE on that field, never INTERNAL_SERVER_ERROR, and
 * upstream failures keep their codes. `what` names the figure for the client (ids only).
 */
export async function exactFigure<T>(what: string, compute: () => Promise<T> | T): Promise<T> {
  try {
    return await compute();
  } catch (error) {
    throw toGraphQLError(asOutOfRange(what, error));
  }
}

/** Each claims list's stage lookup, built once however many of its charges ask. */
const stageLookups = new WeakMap<readonly ClaimRecord[], ClaimStageLookup>();

function stageLookupOf(claims: readonly ClaimRecord[]): ClaimStageLookup {
  let lookup = stageLookups.get(claims);
  if (!lookup) {
    lookup = claimStageLookup(claims);
    stageLookups.set(claims, lookup);
  }
  return lookup;
}

/**
 * The patient's claim-stage lookup: a value, not a promise, once the request holds her claims
 * (`loadNow`), so a charge's `patientAmount` completes with its row.
 */
export function claimStages(ctx: GatewayContext, practiceId: string, patientId: string): MaybePromise<ClaimStageLookup> {
  return whenKnown(loadNow(ctx.loaders.claims, { practiceId, id: patientId }), stageLookupOf);
}

/** The computed balance of one patient: Σ charge patient amounts + payments + adjustments. */
export async function computePatientBalance(
  ctx: Pick<GatewayContext, 'loaders'>,
  practiceId: string,
  patient: PatientRecord,
): Promise<PatientBalance> {
  const key = { practiceId, id: patient.sourceId };
  if (patient.nonPatient) return patientBalanceOfRecords({ charges: [], payments: [], adjustments: [] }, () => undefined);
  const [charges, payments, adjustments, claims] = await Promise.all([
    ctx.loaders.charges.load(key),
    ctx.loaders.payments.load(key),
    ctx.loaders.adjustments.load(key),
    ctx.loaders.claims.load(key),
  ]);
  return patientBalanceOfRecords({ charges, payments, adjustments }, claimStageLookup(claims));
}
