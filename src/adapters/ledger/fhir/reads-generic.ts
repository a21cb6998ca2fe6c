/**
 * Reads of the `generic` profile. Each port batch becomes one batch Bundle: patients with their
 * active Accounts (the guarantor is on the Account), and a patient's whole ledger (ChargeItems,
 * Claims with `_revinclude=ClaimResponse:request`, tagged PaymentReconciliations) in one go, kept in
 * the request scope so charges, claims, payments and adjustments share it.
 *
 *     const reads = genericReads({ client, batchSupported: () => Promise.resolve(true), today });
 *     await reads.chargesByPatient(['pat-alvarez'], scope);   // one POST /, three entries
 */
import type {
  AdjustmentRecord,
  ChargeRecord,
  FamilyRecord,
  LedgerRecords,
  PatientRecord,
  PaymentRecord,
  RequestScope,
} from '../port';
import { toError } from '../nexhealth/per-key';
import { type BatchAnswer, batchRead } from './batch';
import { followPages, type SearchResult } from './bundle';
import type { FhirClient } from './client';
import { mapGenericClaims, type MappedClaims } from './mapping-claims';
import {
  mapPatient,
  mapRelatedPersonGuarantor,
  periodCovers,
  plainPatientId,
  refId,
  refType,
  serviceDate,
  toDateTime,
} from './mapping-common';
import { moneyToCents } from './money';
import {
  accountSchema,
  chargeItemSchema,
  claimResponseSchema,
  claimSchema,
  type FhirAccount,
  type FhirChargeItem,
  parseResource,
  patientSchema,
  paymentReconciliationSchema,
  relatedPersonSchema,
} from './resources';
import { memoized } from './scope-memo';

export const TX_SYSTEM = 'urn:ledger-gateway:transaction-id';
export const PATIENT_TAG_SYSTEM = 'urn:ledger-gateway:patient';

export interface GenericDeps {
  client: FhirClient;
  /** Whether the server takes batch Bundles (its CapabilityStatement, read once). */
  batchSupported: () => Promise<boolean>;
  /** Today, `YYYY-MM-DD` (guarantor periods). */
  today: () => string;
}

interface GenericLedger {
  charges: ChargeRecord[];
  claims: MappedClaims;
  payments: PaymentRecord[];
  adjustments: AdjustmentRecord[];
}

export const genericUrls = {
  patient: (id: string) => `Patient/${id}`,
  accounts: (id: string) => `Account?patient=${id}&status=active`,
  charges: (id: string) => `ChargeItem?patient=${id}&_count=100`,
  claims: (id: string) => `Claim?patient=${id}&_revinclude=ClaimResponse:request&_count=100`,
  reconciliations: (id: string) => `PaymentReconciliation?_tag=${PATIENT_TAG_SYSTEM}|${id}&_count=100`,
  byTransaction: (txId: string) => `PaymentReconciliation?identifier=${TX_SYSTEM}|${encodeURIComponent(txId)}`,
};

export function genericReads(deps: GenericDeps) {
  const { client } = deps;

  /** Read many urls in one batch and resolve each to its value (searches followed to their end). */
  async function readMany(urls: string[]): Promise<Array<BatchAnswer | Error>> {
    return batchRead(client, urls, await deps.batchSupported());
  }

  async function searchOf(answer: BatchAnswer | Error, url: string): Promise<SearchResult> {
    if (answer instanceof Error) throw answer;
    if (answer.status === 404) return { matches: [], included: [] };
    return followPages(client, answer.resource, url);
  }

  /** Patient + active accounts for each id, one batch for the ids not yet in the scope. */
  function patientEntries(ids: readonly string[], scope: RequestScope) {
    return memoized(scope, 'fhir:g:patient', ids, async (missing) => {
      const urls = missing.flatMap((id) => [genericUrls.patient(id), genericUrls.accounts(id)]);
      const answers = await readMany(urls);
      return missing.map(async (_id, i) => {
        const p = answers[2 * i]!;
        if (p instanceof Error) throw p;
        if (p.status === 404) return null;
        const patient = parseResource(patientSchema, p.resource, 'Patient');
        const accounts = (await searchOf(answers[2 * i + 1]!, urls[2 * i + 1]!)).matches.map((a) =>
          parseResource(accountSchema, a, 'Account'),
        );
        return { patient, accounts };
      });
    });
  }

  /** The guarantor's typed id (`Patient/x`, `RelatedPerson/x`), `null` for her own (or an Organization). */
  function guarantorOf(pid: string, accounts: FhirAccount[]): string | null {
    const today = deps.today();
    const account = accounts.find((a) => (a.status ?? 'active') === 'active');
    const g = account?.guarantor?.find((x) => !x.onHold && periodCovers(x.period, today));
    const ref = g?.party.reference;
    const type = refType(ref);
    const id = refId(ref);
    if (!ref || !id || (type === 'Patient' && id === pid)) return null;
    return type === 'Patient' || type === 'RelatedPerson' ? `${type}/${id}` : null;
  }

  async function patients(ids: readonly string[], scope: RequestScope): Promise<Array<PatientRecord | null | Error>> {
    const plain = ids.map(plainPatientId);
    const entries = await patientEntries(plain, scope);
    return entries.map((e, i) =>
      e instanceof Error || e === null
        ? e
        : mapPatient(e.patient, { guarantorSourceId: guarantorOf(plain[i]!, e.accounts), nonPatient: false }),
    );
  }

  async function families(guarantorIds: readonly string[], scope: RequestScope): Promise<Array<FamilyRecord | null | Error>> {
    return Promise.all(
      guarantorIds.map(async (gid) => {
        try {
          return await family(gid, scope);
        } catch (err) {
          return toError(err);
        }
      }),
    );
  }

  async function family(gid: string, scope: RequestScope): Promise<FamilyRecord | null> {
    let head: PatientRecord;
    let memberId: string;
    let party: string;
    if (gid.startsWith('RelatedPerson/')) {
      const [answer] = await readMany([gid]);
      if (answer instanceof Error) throw answer;
      if (!answer || answer.status === 404) return null;
      const rp = parseResource(relatedPersonSchema, answer.resource, 'RelatedPerson');
      const pid = refId(rp.patient?.reference, 'Patient');
      if (!pid) return null;
      head = mapRelatedPersonGuarantor(rp, gid);
      memberId = pid;
      party = gid;
    } else {
      const pid = plainPatientId(gid);
      const [record] = await patients([pid], scope);
      if (record instanceof Error) throw record;
      if (!record) return null;
      head = { ...record, guarantorSourceId: null };
      memberId = pid;
      party = `Patient/${pid}`;
    }
    const [entry] = await patientEntries([memberId], scope);
    if (entry instanceof Error) throw entry;
    const subjects = new Set<string>();
    for (const account of entry?.accounts ?? []) {
      const g = account.guarantor?.find((x) => !x.onHold && periodCovers(x.period, deps.today()));
      if (g?.party.reference !== party) continue;
      for (const s of account.subject ?? []) {
        const id = refId(s.reference, 'Patient');
        if (id) subjects.add(id);
      }
    }
    if (party === gid) subjects.add(memberId);
    subjects.delete(head.nonPatient ? '' : head.sourceId);
    const dependents = await patients([...subjects], scope);
    return { guarantor: head, dependents: dependents.filter((d): d is PatientRecord => d !== null && !(d instanceof Error)) };
  }

  /** The whole ledger of each patient, one batch for those not yet in the scope. */
  function ledgers(ids: readonly string[], scope: RequestScope) {
    return memoized(scope, 'fhir:g:ledger', ids.map(plainPatientId), async (missing) => {
      const urls = missing.flatMap((id) => [genericUrls.charges(id), genericUrls.claims(id), genericUrls.reconciliations(id)]);
      const answers = await readMany(urls);
      return missing.map(async (id, i): Promise<GenericLedger> => {
        const [ch, cl, pr] = await Promise.all([0, 1, 2].map((k) => searchOf(answers[3 * i + k]!, urls[3 * i + k]!)));
        return mapGenericLedger(id, ch!, cl!, pr!);
      });
    });
  }

  const ledgerField =
    <T>(pick: (l: GenericLedger) => T) =>
    async (ids: readonly string[], scope: RequestScope): Promise<Array<T | Error>> =>
      (await ledgers(ids, scope)).map((l) => (l instanceof Error ? l : pick(l)));

  return {
    patients,
    families,
    chargesByPatient: ledgerField((l) => l.charges),
    claimsByPatient: ledgerField((l) => l.claims.claims),
    paymentsByPatient: ledgerField((l) => l.payments),
    adjustmentsByPatient: ledgerField((l) => l.adjustments),
    /** The rows of a transaction already posted, or `null`. */
    async findTransaction(transactionId: string, patientId: string): Promise<LedgerRecords | null> {
      const url = genericUrls.byTransaction(transactionId);
      const [answer] = await readMany([url]);
      const found = (await searchOf(answer!, url)).matches;
      if (found.length === 0) return null;
      const rows = reconciliationRows(patientId, found);
      return { payments: rows.payments, adjustments: rows.adjustments };
    },
    /** The patient's active accounts (writes address a detail to one). */
    async accountsOf(patientId: string, scope: RequestScope): Promise<FhirAccount[]> {
      const [entry] = await patientEntries([patientId], scope);
      if (entry instanceof Error) throw entry;
      return entry?.accounts ?? [];
    },
  };
}

function mapGenericLedger(patientId: string, ch: SearchResult, cl: SearchResult, pr: SearchResult): GenericLedger {
  const items = ch.matches
    .map((c) => parseResource(chargeItemSchema, c, 'ChargeItem'))
    .filter((c) => c.status === 'billable' || c.status === 'billed');
  const all = [...cl.matches, ...cl.included];
  const claims = all.filter((r) => r.resourceType === 'Claim').map((r) => parseResource(claimSchema, r, 'Claim'));
  const responses = all
    .filter((r) => r.resourceType === 'ClaimResponse')
    .map((r) => parseResource(claimResponseSchema, r, 'ClaimResponse'));
  // R4 has no total price on a ChargeItem without priceOverride: such an item is left out.
  const priced = items.filter((c) => c.priceOverride?.value !== undefined);
  const mapped = mapGenericClaims(patientId, claims, responses, priced);
  const charges = priced.map((c) => mapGenericCharge(patientId, c, mapped));
  const rows = reconciliationRows(patientId, pr.matches);
  return { charges, claims: mapped, payments: [...rows.payments, ...mapped.insurancePayments], adjustments: rows.adjustments };
}

function mapGenericCharge(patientId: string, c: FhirChargeItem, claims: MappedClaims): ChargeRecord {
  const code = c.code?.coding?.[0]?.code ?? null;
  const actor = c.performer?.[0]?.actor?.reference;
  const payouts = claims.payoutsByCharge.get(c.id) ?? [];
  return {
    sourceId: c.id,
    patientSourceId: patientId,
    providerSourceId: refType(actor) === 'Practitioner' ? refId(actor) : null,
    procedureSourceId: code,
    procedureCode: code,
    description: c.code?.text ?? c.code?.coding?.[0]?.display ?? null,
    fee: moneyToCents(c.priceOverride, `ChargeItem ${c.id} priceOverride`),
    serviceDate: serviceDate(c.occurrenceDateTime ?? c.occurrencePeriod?.start),
    claimPayouts: payouts,
    claimSourceId: payouts[0]?.claimSourceId ?? null,
    statedPatientAmount: null,
  };
}

/** PaymentReconciliation `detail[]` rows of the `active` resources. */
export function reconciliationRows(patientId: string, resources: readonly unknown[]): LedgerRecords {
  const out: LedgerRecords = { payments: [], adjustments: [] };
  for (const r of resources) {
    const pr = parseResource(paymentReconciliationSchema, r, 'PaymentReconciliation');
    if (pr.status !== 'active') continue;
    const txId = pr.identifier?.find((i) => i.system === TX_SYSTEM)?.value ?? null;
    for (const [n, d] of (pr.detail ?? []).entries()) {
      const sourceId = d.identifier?.value ?? `${pr.id}-${n + 1}`;
      const amount = moneyToCents(d.amount, `PaymentReconciliation ${pr.id} detail ${n + 1}`);
      const chargeSourceId = refId(d.request?.reference, 'ChargeItem');
      const providerSourceId = refId(d.payee?.reference, 'Practitioner');
      const date = toDateTime(d.date ?? pr.paymentDate);
      const kind = d.type.coding?.[0]?.code;
      if (kind === 'adjustment') {
        out.adjustments.push({
          sourceId,
          patientSourceId: patientId,
          providerSourceId,
          chargeSourceId,
          claimSourceId: null,
          adjustmentTypeSourceId: null,
          typeName: d.type.text ?? null,
          amount,
          adjustedAt: date,
          transactionId: txId,
          description: null,
        });
      } else if (kind === 'payment') {
        out.payments.push({
          sourceId,
          patientSourceId: patientId,
          providerSourceId,
          chargeSourceId,
          claimSourceId: null,
          paymentTypeSourceId: null,
          amount: -amount,
          paidAt: date,
          transactionId: txId,
          fromInsurance: false,
        });
      }
    }
  }
  return out;
}
