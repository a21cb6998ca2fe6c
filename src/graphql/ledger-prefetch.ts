/**
 * Ledger lists a `Query.patient` selection is certain to read, requested together with the patient
 * itself. Without this, `patient(…) { balance invoice }` waits for the patient record before its
 * fields ask for the charges, payments, adjustments and claims: two upstream round trips where one
 * will do, since every one of those reads is keyed by the patient id the caller already gave.
 *
 *     patient: (_root, { practiceId, patientId }, ctx, info) => {
 *       prefetchLedger(ctx, practiceId, patientId, ledgerListsSelected(info));
 *       return loadPatient(ctx, practiceId, patientId);
 *     }
 *
 * Only lists the selection must read are requested, so a query costs no call it would not have
 * made anyway, with one exception worth its price: when the patient turns out not to exist (or not
 * to be in the practice's location, or to be a non-patient guarantor), the lists asked for in
 * advance were wasted; nothing from them is shown. The requests go through the same per-request
 * loaders the fields use, so nothing is ever asked for twice.
 */
import {
  getDirectiveValues,
  GraphQLIncludeDirective,
  GraphQLSkipDirective,
  Kind,
  type FieldNode,
  type GraphQLResolveInfo,
  type SelectionSetNode,
} from 'graphql';
import { adapterHealth } from '../resilience';
import type { GatewayContext } from './context';

export type LedgerList = 'charges' | 'payments' | 'adjustments' | 'claims';

/** `Charge` fields whose value depends on the patient's claims (see resolvers/ledger-rows.ts). */
const CHARGE_FIELDS_READING_CLAIMS = new Set(['paymentEstimate', 'writeOffEstimate', 'writeOff', 'patientAmount', 'claim']);

/** The fields of these selection sets, through fragments, leaving out what `@skip`/`@include` drop. */
function* fieldsOf(info: GraphQLResolveInfo, sets: ReadonlyArray<SelectionSetNode | undefined>): Generator<FieldNode> {
  for (const set of sets) {
    for (const selection of set?.selections ?? []) {
      if (getDirectiveValues(GraphQLSkipDirective, selection, info.variableValues)?.if === true) continue;
      if (getDirectiveValues(GraphQLIncludeDirective, selection, info.variableValues)?.if === false) continue;
      if (selection.kind === Kind.FIELD) yield selection;
      else if (selection.kind === Kind.INLINE_FRAGMENT) yield* fieldsOf(info, [selection.selectionSet]);
      else yield* fieldsOf(info, [info.fragments[selection.name.value]?.selectionSet]);
    }
  }
}

/** The ledger lists the `Patient` selection of this field (e.g. `Query.patient`) will read. */
export function ledgerListsSelected(info: GraphQLResolveInfo): Set<LedgerList> {
  const lists = new Set<LedgerList>();
  for (const field of fieldsOf(
    info,
    info.fieldNodes.map((node) => node.selectionSet),
  )) {
    switch (field.name.value) {
      case 'balance': // resolvers/ledger-access.ts: computePatientBalance
        for (const list of ['charges', 'payments', 'adjustments', 'claims'] as const) lists.add(list);
        break;
      case 'invoice': // resolvers/invoice.ts: charges and their claim stages
        lists.add('charges');
        lists.add('claims');
        break;
      case 'charges':
        lists.add('charges');
        for (const chargeField of fieldsOf(info, [field.selectionSet])) {
          if (CHARGE_FIELDS_READING_CLAIMS.has(chargeField.name.value)) lists.add('claims');
        }
        break;
      case 'payments':
      case 'adjustments':
      case 'claims':
        lists.add(field.name.value);
        break;
    }
  }
  return lists;
}

/**
 * Start the loads now; each field's own `load` of the same key gets the same promise (or error).
 * Only while the practice's circuit is closed: a half-open circuit lets one probe through and
 * refuses the rest, and the probe should be the read the query cannot do without.
 */
export function prefetchLedger(ctx: GatewayContext, practiceId: string, patientId: string, lists: ReadonlySet<LedgerList>): void {
  const practice = ctx.services.registry.get(practiceId);
  if (lists.size === 0 || !practice || adapterHealth(practice.adapter).circuit !== 'CLOSED') return;
  for (const list of lists) {
    ctx.loaders[list].load({ practiceId, id: patientId }).catch(() => undefined);
  }
}
