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
import { circuitClosed } from '../resilience';
import type DataLoader from 'dataloader';
import type { GatewayContext } from './context';
import { LEDGER_LISTS, type LedgerList, type PracticeKey } from './loaders';

/** `Charge` fields whose value depends on the patient's claims (see resolvers/ledger-rows.ts). */
const CHARGE_FIELDS_READING_CLAIMS = new Set(['paymentEstimate', 'writeOffEstimate', 'writeOff', 'patientAmount', 'claim']);

/** Whether a walk met a selection whose presence depends on the request (`@skip`/`@include`). */
interface Walk {
  directed: boolean;
}

/** The fields of these selection sets, through fragments, leaving out what `@skip`/`@include` drop. */
function* fieldsOf(
  info: GraphQLResolveInfo,
  sets: ReadonlyArray<SelectionSetNode | undefined>,
  walk: Walk,
): Generator<FieldNode> {
  for (const set of sets) {
    for (const selection of set?.selections ?? []) {
      if (selection.directives?.length) {
        walk.directed = true;
        if (getDirectiveValues(GraphQLSkipDirective, selection, info.variableValues)?.if === true) continue;
        if (getDirectiveValues(GraphQLIncludeDirective, selection, info.variableValues)?.if === false) continue;
      }
      if (selection.kind === Kind.FIELD) yield selection;
      else if (selection.kind === Kind.INLINE_FRAGMENT) yield* fieldsOf(info, [selection.selectionSet], walk);
      else yield* fieldsOf(info, [info.fragments[selection.name.value]?.selectionSet], walk);
    }
  }
}

/**
 * `read(info)` once per document: Apollo hands every request of a cached document the same parsed
 * nodes, so a selection without `@skip`/`@include` reads the same on each, and walking it again per
 * request was measurable on small queries. Keyed by the field's first node and checked against all
 * of them (a fragment's field may merge with different siblings in different operations).
 */
function perDocument<T>(read: (info: GraphQLResolveInfo, walk: Walk) => T): (info: GraphQLResolveInfo) => T {
  const memo = new WeakMap<FieldNode, { nodes: readonly FieldNode[]; value: T }>();
  return (info) => {
    const nodes = info.fieldNodes;
    const hit = memo.get(nodes[0]!);
    if (hit && hit.nodes.length === nodes.length && hit.nodes.every((node, i) => node === nodes[i])) return hit.value;
    const walk: Walk = { directed: false };
    const value = read(info, walk);
    if (!walk.directed) memo.set(nodes[0]!, { nodes, value });
    return value;
  };
}

/** The ledger lists the `Patient` selection of this field (e.g. `Query.patient`) will read. */
export const ledgerListsSelected: (info: GraphQLResolveInfo) => ReadonlySet<LedgerList> = perDocument((info, walk) =>
  listsOfPatientSelection(
    info,
    info.fieldNodes.map((node) => node.selectionSet),
    walk,
  ),
);

/** The ledger lists these `Patient` selection sets will read. */
function listsOfPatientSelection(
  info: GraphQLResolveInfo,
  sets: ReadonlyArray<SelectionSetNode | undefined>,
  walk: Walk,
): Set<LedgerList> {
  const lists = new Set<LedgerList>();
  for (const field of fieldsOf(info, sets, walk)) {
    switch (field.name.value) {
      case 'balance': // resolvers/ledger-access.ts: computePatientBalance
        for (const list of LEDGER_LISTS) lists.add(list);
        break;
      case 'invoice': // resolvers/invoice.ts: charges and their claim stages
        lists.add('charges');
        lists.add('claims');
        break;
      case 'charges':
        lists.add('charges');
        for (const chargeField of fieldsOf(info, [field.selectionSet], walk)) {
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
  if (lists.size === 0 || !practice || !circuitClosed(practice.adapter)) return;
  for (const list of lists) {
    ctx.loaders[list].load({ practiceId, id: patientId }).catch(() => undefined);
  }
}

/** What a `Guarantor` selection will read besides the family itself (shared by the document's requests: read only). */
export interface FamilyReads {
  /** Ledger lists of the family's patients. */
  readonly lists: ReadonlySet<LedgerList>;
  /** The guarantor A/R record (`aging`, `outOfPocketAging`, `reconciliation`). */
  readonly guarantorBalance: boolean;
  /** The insurance A/R records (`insuranceAging`, `outOfPocketAging`). */
  readonly insuranceBalances: boolean;
}

/** The reads the `Guarantor` selection of this field (`Query.guarantor`) will make (resolvers/guarantor.ts). */
export const familyReadsSelected: (info: GraphQLResolveInfo) => FamilyReads = perDocument((info, walk) => {
  const reads = { lists: new Set<LedgerList>(), guarantorBalance: false, insuranceBalances: false };
  for (const field of fieldsOf(
    info,
    info.fieldNodes.map((node) => node.selectionSet),
    walk,
  )) {
    switch (field.name.value) {
      case 'patients':
        for (const list of listsOfPatientSelection(info, [field.selectionSet], walk)) reads.lists.add(list);
        break;
      case 'reconciliation': // every patient's balance against the A/R record
        for (const list of LEDGER_LISTS) reads.lists.add(list);
        reads.guarantorBalance = true;
        break;
      case 'invoice': // resolvers/invoice.ts: charges and their claim stages
        reads.lists.add('charges');
        reads.lists.add('claims');
        break;
      case 'aging':
        reads.guarantorBalance = true;
        break;
      case 'insuranceAging':
        reads.insuranceBalances = true;
        break;
      case 'outOfPocketAging':
        reads.guarantorBalance = true;
        reads.insuranceBalances = true;
        break;
    }
  }
  return reads;
});

/** Each list's by-guarantor loader; used only where the adapter declares the by-guarantor method. */
const BY_GUARANTOR = {
  charges: { method: 'chargesByGuarantor', loader: 'chargesByGuarantor' },
  payments: { method: 'paymentsByGuarantor', loader: 'paymentsByGuarantor' },
  adjustments: { method: 'adjustmentsByGuarantor', loader: 'adjustmentsByGuarantor' },
  claims: { method: 'claimsByGuarantor', loader: 'claimsByGuarantor' },
} as const;

/**
 * A family's reads, requested with the family read instead of after it: everything here is keyed by
 * the guarantor id the caller gave. The A/R records go out as they are (the resolvers would ask
 * for the same keys once the family arrives). The ledger lists go out by guarantor where the
 * adapter declares by-guarantor lists (port.ts, `chargesByGuarantor` …): one call per list for the
 * whole family. When the family read answers, each of its patients' per-patient loads is primed
 * with her share of those rows, picked by the row's patient id alone, so every row lands in exactly
 * one ledger whatever its `guarantor_id` says (a guarantor's own rows may carry her id, 0 or null).
 *
 * The priming is chained onto the family load here, before any resolver can wait on that load, and
 * every per-patient load of a family field waits on it first (resolvers/guarantor.ts), so each finds
 * its key primed. A key some other field loaded first keeps that answer (`prime` never overwrites).
 * If a family list fails, its patients' shares fall back to their own per-patient reads.
 * Like `prefetchLedger`, only while the practice's circuit is closed.
 */
export function prefetchFamily(ctx: GatewayContext, practiceId: string, guarantorId: string, reads: FamilyReads): void {
  const practice = ctx.services.registry.get(practiceId);
  if (!practice || !circuitClosed(practice.adapter)) return;
  const key = { practiceId, id: guarantorId };
  const ignore = () => undefined;
  // The family read first: loaders dispatch in the order they were first asked, and every other
  // field of the family waits for this one.
  const family = ctx.loaders.families.load(key);
  if (reads.guarantorBalance && practice.capabilities.guarantorAging) ctx.loaders.guarantorBalances.load(key).catch(ignore);
  if (reads.insuranceBalances && practice.capabilities.insuranceAging) ctx.loaders.insuranceBalances.load(key).catch(ignore);
  const adapter = practice.adapter;
  const byGuarantor = [...reads.lists]
    .filter((list) => typeof adapter[BY_GUARANTOR[list].method] === 'function')
    .map((list) => {
      const rows: Promise<Array<{ patientSourceId: string }>> = ctx.loaders[BY_GUARANTOR[list].loader].load(key);
      rows.catch(ignore);
      return { list, rows };
    });
  family.then((found) => {
    if (!found) return;
    // The patients resolvers/guarantor.ts lists: a non-patient guarantor has no ledger of her own.
    const members = [...(found.guarantor.nonPatient ? [] : [found.guarantor]), ...found.dependents].map((p) => p.sourceId);
    for (const { list, rows } of byGuarantor) {
      // The loaders' value types differ per list; each share holds that list's own records.
      const perPatient = ctx.loaders[list] as unknown as DataLoader<PracticeKey, unknown, string>;
      for (const patientId of members) {
        const patientKey = { practiceId, id: patientId };
        const share = rows.then(
          (all) => all.filter((row) => row.patientSourceId === patientId),
          // The family's list failed: each patient's own read is tried instead, so a failure stays on
          // the fields whose own read fails, as when the lists come per patient (one level more).
          () => perPatient.clear(patientKey).load(patientKey),
        );
        share.catch(ignore);
        perPatient.prime(patientKey, share);
      }
    }
  }, ignore);
}
