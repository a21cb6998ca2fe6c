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
import { LEDGER_LISTS } from '../loaders';
import { whenAllKnown, whenKnown, type MaybePromise } from '../maybe-promise';
import { afterHeld, loadNow } from '../settled-cache';

/**
 * A computed figure (a balance, an aging, a reconciliation) for one field: a sum past the
 * safe-integer range becomes AMOUNT_OUT_OF_RANGE on that field, never INTERNAL_SERVER_ERROR, and
 * upstream failures keep their codes. `what` names the figure for the client (ids only).
 */
export function exactFigure<T>(what: string, compute: () => MaybePromise<T>): MaybePromise<T> {
  const fail = (error: unknown): never => {
    throw toGraphQLError(asOutOfRange(what, error));
  };
  let figure: MaybePromise<T>;
  try {
    figure = compute();
  } catch (error) {
    return fail(error);
  }
  // A figure computed from lists the request already holds is a value: no promise for it.
  return figure instanceof Promise ? figure.catch(fail) : figure;
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
export function claimStages(
  ctx: Pick<GatewayContext, 'loaders'>,
  practiceId: string,
  patientId: string,
): MaybePromise<ClaimStageLookup> {
  return whenKnown(loadNow(ctx.loaders.claims, { practiceId, id: patientId }), stageLookupOf);
}

/**
 * The computed balance of one patient: Σ charge patient amounts + payments + adjustments. A value
 * when the request already holds her four lists (`loadNow`), else a promise of it.
 */
export function computePatientBalance(
  ctx: Pick<GatewayContext, 'loaders'>,
  practiceId: string,
  patient: PatientRecord,
): MaybePromise<PatientBalance> {
  const key = { practiceId, id: patient.sourceId };
  if (patient.nonPatient) return patientBalanceOfRecords({ charges: [], payments: [], adjustments: [] }, () => undefined);
  return whenAllKnown(
    [
      loadNow(ctx.loaders.charges, key),
      loadNow(ctx.loaders.payments, key),
      loadNow(ctx.loaders.adjustments, key),
      loadNow(ctx.loaders.claims, key),
    ] as const,
    ([charges, payments, adjustments, claims]) =>
      patientBalanceOfRecords({ charges, payments, adjustments }, stageLookupOf(claims)),
  );
}

/**
 * A wait for the patient's ledger lists this request is still reading (it resolves when they have
 * arrived or failed: failures are left to their fields), or `undefined` when none is in flight. A
 * resolver that returns the patient after it lets her balance, invoice and rows complete
 * synchronously instead of each field waiting on its own (settled-cache.ts).
 */
export function afterLedgerHeld(
  ctx: Pick<GatewayContext, 'loaders'>,
  practiceId: string,
  patientId: string,
): Promise<unknown> | undefined {
  const key = { practiceId, id: patientId };
  const pending: Promise<void>[] = [];
  for (const list of LEDGER_LISTS) {
    const loader = ctx.loaders.usedList(list); // a list nobody asked for is not in flight
    const held = loader && afterHeld(loader, key);
    if (held) pending.push(held);
  }
  // Nothing in flight: nothing to wait for (and no promise made for it).
  return pending.length === 0 ? undefined : pending.length === 1 ? pending[0] : Promise.all(pending);
}
