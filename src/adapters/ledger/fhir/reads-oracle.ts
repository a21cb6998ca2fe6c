/**
 * Reads of the `oracle-health` profile (Millennium R4). Millennium has no batch and no Claim, so a
 * patient's ledger is her Encounters, then per encounter (4 at a time: no way around N+1 there) its
 * billable ChargeItems and guarantor-balance Accounts. Where the account balance B differs from the
 * encounter's fees F, one "Unitemized EHR activity" adjustment of B − F makes the computed balance
 * Oracle's self-pay balance (payments are not readable: FinancialTransaction has no read).
 *
 *     const reads = oracleReads({ client });
 *     await reads.chargesByPatient(['12724066'], scope);   // 1 Encounter search + 2 per encounter
 */
import { createLimiter } from '../../http/limiter';
import type { AdjustmentRecord, ChargeRecord, FamilyRecord, PatientRecord, RequestScope } from '../port';
import { toError } from '../nexhealth/per-key';
import { searchAll } from './bundle';
import { type FhirClient, NOT_FOUND } from './client';
import {
  hasCode,
  mapPatient,
  mapRelatedPersonGuarantor,
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
  encounterSchema,
  type FhirChargeItem,
  type FhirPatient,
  type FhirRelatedPerson,
  parseResource,
  patientSchema,
  relatedPersonSchema,
} from './resources';
import { memoized } from './scope-memo';

export const ORACLE_EXTENSION_BASE = 'https://fhir-ehr.cerner.com/r4/StructureDefinition/';
const ROLE_CODE_SYSTEM = 'http://terminology.hl7.org/CodeSystem/v3-RoleCode';
/** Per-encounter reads in flight per patient ledger (the adapter README's decision). */
export const ORACLE_ENCOUNTER_PARALLELISM = 4;

export const oracleUrls = {
  patient: (id: string) => `Patient/${id}`,
  relatedPersons: (pid: string) => `RelatedPerson?patient=${pid}&-relationship-level=Patient`,
  financialAccounts: (rpId: string) => `Account?-guarantor=${rpId}&type=financial-account&_count=100`,
  encounters: (pid: string) => `Encounter?patient=${pid}&_count=100`,
  guarantorBalances: (encounterId: string) => `Account?-encounter=${encounterId}&type=guarantor-balance`,
  chargeItems: (encounterId: string) => `ChargeItem?context=${encounterId}&-status=billable&_count=100`,
};

/** A guarantor-balance account, as writes choose their allocation target. */
export interface GuarantorBalanceAccount {
  id: string;
  encounterId: string;
  balance: number;
  servicePeriodStart: string | null;
}

export interface OracleLedger {
  charges: ChargeRecord[];
  adjustments: AdjustmentRecord[];
  accounts: GuarantorBalanceAccount[];
  /** Charge id → its encounter (a charge split's allocation target). */
  encounterOfCharge: Map<string, string>;
}

function ext(resource: { extension?: Array<{ url: string }> }, id: string) {
  return resource.extension?.find((e) => e.url === `${ORACLE_EXTENSION_BASE}${id}`) as
    | { url: string; valueMoney?: { value?: number | string; currency?: string }; valueString?: string }
    | undefined;
}

/** `{personId}-{patientId}` → personId. */
export function personIdOf(relatedPersonId: string, patientId?: string): string {
  if (patientId && relatedPersonId.endsWith(`-${patientId}`)) return relatedPersonId.slice(0, -(patientId.length + 1));
  return relatedPersonId.split('-')[0]!;
}

export function oracleReads(deps: { client: FhirClient }) {
  const { client } = deps;

  function patientEntries(ids: readonly string[], scope: RequestScope) {
    return memoized(scope, 'fhir:o:patient', ids, async (missing) =>
      missing.map(async (id): Promise<{ patient: FhirPatient; guarantor: FhirRelatedPerson | null } | null> => {
        const [p, rps] = await Promise.all([
          client.read(oracleUrls.patient(id)),
          searchAll(client, oracleUrls.relatedPersons(id)),
        ]);
        if (p === NOT_FOUND) return null;
        const patient = parseResource(patientSchema, p, 'Patient');
        const guarantor =
          rps.matches
            .map((r) => parseResource(relatedPersonSchema, r, 'RelatedPerson'))
            .find((r) => (r.relationship ?? []).some((c) => hasCode(c, 'GT', ROLE_CODE_SYSTEM))) ?? null;
        return { patient, guarantor };
      }),
    );
  }

  async function patients(ids: readonly string[], scope: RequestScope): Promise<Array<PatientRecord | null | Error>> {
    const plain = ids.map(plainPatientId);
    const entries = await patientEntries(plain, scope);
    return entries.map((e, i) => {
      if (e instanceof Error || e === null) return e;
      const rp = e.guarantor;
      const own = !rp || personIdOf(rp.id, plain[i]) === plain[i];
      return mapPatient(e.patient, { guarantorSourceId: own ? null : `RelatedPerson/${rp.id}`, nonPatient: false });
    });
  }

  async function family(gid: string, scope: RequestScope): Promise<FamilyRecord | null> {
    let head: PatientRecord;
    let rpId: string | null;
    if (gid.startsWith('RelatedPerson/')) {
      rpId = gid.slice('RelatedPerson/'.length);
      const personId = personIdOf(rpId);
      const patientId = rpId.slice(personId.length + 1);
      const [person] = await patients([personId], scope);
      if (person instanceof Error) throw person;
      if (person) {
        head = { ...person, guarantorSourceId: null };
      } else {
        // The person is no patient: her name is on the RelatedPerson of the patient she guarantees.
        const [entry] = await patientEntries([patientId], scope);
        if (entry instanceof Error) throw entry;
        if (!entry?.guarantor || entry.guarantor.id !== rpId) return null;
        head = mapRelatedPersonGuarantor(entry.guarantor, gid);
      }
    } else {
      const pid = plainPatientId(gid);
      const [entry] = await patientEntries([pid], scope);
      if (entry instanceof Error) throw entry;
      if (!entry) return null;
      head = mapPatient(entry.patient, { guarantorSourceId: null, nonPatient: false });
      rpId = entry.guarantor && personIdOf(entry.guarantor.id, pid) === pid ? entry.guarantor.id : null;
    }
    const subjects = new Set<string>();
    if (rpId) {
      const accounts = await searchAll(client, oracleUrls.financialAccounts(rpId));
      for (const a of accounts.matches) {
        for (const s of parseResource(accountSchema, a, 'Account').subject ?? []) {
          const id = refId(s.reference, 'Patient');
          if (id) subjects.add(id);
        }
      }
    }
    if (!head.nonPatient) subjects.delete(head.sourceId);
    const dependents = await patients([...subjects], scope);
    return { guarantor: head, dependents: dependents.filter((d): d is PatientRecord => d !== null && !(d instanceof Error)) };
  }

  function ledgers(ids: readonly string[], scope: RequestScope) {
    return memoized(scope, 'fhir:o:ledger', ids.map(plainPatientId), async (missing) => missing.map((id) => ledgerOf(id)));
  }

  async function ledgerOf(patientId: string): Promise<OracleLedger> {
    const encounters = (await searchAll(client, oracleUrls.encounters(patientId))).matches.map((e) =>
      parseResource(encounterSchema, e, 'Encounter'),
    );
    const limit = createLimiter(ORACLE_ENCOUNTER_PARALLELISM);
    const perEncounter = await Promise.all(
      encounters.map((enc) =>
        limit(async () => {
          const [items, accounts] = await Promise.all([
            searchAll(client, oracleUrls.chargeItems(enc.id)),
            searchAll(client, oracleUrls.guarantorBalances(enc.id)),
          ]);
          return { enc, items: items.matches, accounts: accounts.matches };
        }),
      ),
    );
    const out: OracleLedger = { charges: [], adjustments: [], accounts: [], encounterOfCharge: new Map() };
    for (const { enc, items, accounts } of perEncounter) {
      let fees = 0;
      for (const raw of items) {
        const item = parseResource(chargeItemSchema, raw, 'ChargeItem');
        if (ext(item, 'offset-by')) continue; // offset: no longer active
        const charge = mapOracleCharge(patientId, item, enc.period?.start);
        fees += charge.fee;
        // The encounter travels with the charge so a write splitting across encounters is refused
        // before it is stored (Capabilities.writesOneVisit), not after.
        out.charges.push({ ...charge, visitSourceId: enc.id });
        out.encounterOfCharge.set(charge.sourceId, enc.id);
      }
      let balance = 0;
      for (const raw of accounts) {
        const account = parseResource(accountSchema, raw, 'Account');
        const b = ext(account, 'account-balance');
        const cents = b?.valueMoney ? moneyToCents(b.valueMoney, `Account ${account.id} account-balance`) : 0;
        balance += cents;
        out.accounts.push({
          id: account.id,
          encounterId: enc.id,
          balance: cents,
          servicePeriodStart: account.servicePeriod?.start ?? null,
        });
      }
      if (balance !== fees) {
        out.adjustments.push({
          sourceId: `unitemized-${enc.id}`,
          patientSourceId: patientId,
          providerSourceId: null,
          chargeSourceId: null,
          claimSourceId: null,
          adjustmentTypeSourceId: null,
          typeName: 'Unitemized EHR activity',
          amount: balance - fees,
          adjustedAt: toDateTime(enc.period?.start),
          transactionId: null,
          description: null,
        });
      }
    }
    return out;
  }

  const ledgerField =
    <T>(pick: (l: OracleLedger) => T) =>
    async (ids: readonly string[], scope: RequestScope): Promise<Array<T | Error>> =>
      (await ledgers(ids, scope)).map((l) => (l instanceof Error ? l : pick(l)));

  return {
    patients,
    families: (ids: readonly string[], scope: RequestScope) =>
      Promise.all(ids.map((id) => family(id, scope).catch((err: unknown) => toError(err)))),
    chargesByPatient: ledgerField((l) => l.charges),
    adjustmentsByPatient: ledgerField((l) => l.adjustments),
    paymentsByPatient: ledgerField(() => []),
    claimsByPatient: ledgerField(() => []),
    /** The patient's ledger as writes need it (allocation targets). */
    async ledgerOf(patientId: string, scope: RequestScope): Promise<OracleLedger> {
      const [l] = await ledgers([patientId], scope);
      if (l instanceof Error) throw l;
      return l!;
    },
  };
}

function mapOracleCharge(patientId: string, item: FhirChargeItem, encounterStart: string | undefined): ChargeRecord {
  const where = `ChargeItem ${item.id}`;
  const net = ext(item, 'net-price');
  const unit = ext(item, 'unit-price');
  let fee: number;
  if (net?.valueMoney) fee = moneyToCents(net.valueMoney, `${where} net-price`);
  else if (unit?.valueMoney) {
    const q = item.quantity?.value ?? 1;
    if (!Number.isInteger(q)) throw new Error(`${where}: expected a whole quantity with unit-price, got ${q}`);
    fee = moneyToCents(unit.valueMoney, `${where} unit-price`) * q;
  } else throw new Error(`${where}: expected a net-price or unit-price extension`);
  const performer = item.performer?.find((p) => hasCode(p.function, 'OP')) ?? item.performer?.[0];
  const actor = performer?.actor?.reference;
  const code = item.code?.coding?.[0]?.code ?? null;
  return {
    sourceId: item.id,
    patientSourceId: patientId,
    providerSourceId: refType(actor) === 'Practitioner' ? refId(actor) : null,
    procedureSourceId: code,
    procedureCode: code,
    description: ext(item, 'description')?.valueString ?? item.code?.text ?? item.code?.coding?.[0]?.display ?? null,
    fee,
    serviceDate: serviceDate(item.occurrenceDateTime ?? encounterStart),
    claimPayouts: [],
    claimSourceId: null,
    statedPatientAmount: null,
  };
}
