/**
 * Oracle Health seed, as the FHIR spec's sandbox decisions give it: NANCY SMART (own guarantor) and
 * HAILEY SMART (Nancy guarantees), each encounter with its guarantor-balance account (`account-balance`
 * as a decimal string, as Oracle's examples send it) and billable ChargeItems; a patient whose
 * guarantor is not a patient; Nancy's Aetna coverage. Ids are Millennium-shaped.
 */
import { decimalText } from '../shared/wire-money';
import { money, type SeedClock } from './seed-dates';
import type { MountSeed, Resource } from './store';

export const ORACLE_EXTENSION_BASE = 'https://fhir-ehr.cerner.com/r4/StructureDefinition/';
const ROLE_CODES = 'http://terminology.hl7.org/CodeSystem/v3-RoleCode';
const CPT = 'http://www.ama-assn.org/go/cpt';
const ACCOUNT_TYPES = 'https://fhir-ehr.cerner.com/r4/CodeSystem/account-type';

export const ORACLE_SEED = {
  nancy: { patientId: '12724066', relatedPersonId: '12724066-12724066', encounters: ['97953536', '97953601'] },
  hailey: { patientId: '12724068', relatedPersonId: '12724066-12724068', encounters: ['97954095'] },
  nonPatientGuarantor: { patientId: '12742400', relatedPersonId: '12742401-12742400', encounters: ['97961010'] },
  financialAccounts: ['F1131724', 'F1131725', 'F1131726'],
  guarantorBalanceAccounts: { '97953536': 'G2572738', '97953601': 'G2572739', '97954095': 'G2572740', '97961010': 'G2572741' },
  coverageId: '12724066-490016987-490016987',
  /** Tenant-defined aliases: a payment, a credit adjustment, a debit adjustment. */
  aliases: { payment: '0111', creditAdjustment: '3100', debitAdjustment: '3200' },
} as const;

const ext = (id: string, value: Record<string, unknown>) => ({ url: `${ORACLE_EXTENSION_BASE}${id}`, ...value });

function patient(id: string, family: string, given: string, birthDate: string): Resource {
  return {
    resourceType: 'Patient',
    id,
    active: true,
    name: [{ use: 'official', text: `${family}, ${given}`, family, given: [given] }],
    gender: 'female',
    birthDate,
  };
}

function guarantorLink(id: string, family: string, given: string, roles: Array<[string, string]>): Resource {
  const patientId = id.split('-')[1] ?? '';
  return {
    resourceType: 'RelatedPerson',
    id,
    active: true,
    patient: { reference: `Patient/${patientId}` },
    relationship: roles.map(([system, code]) => ({ coding: [{ system, code }] })),
    name: [{ use: 'official', text: `${family}, ${given}`, family, given: [given] }],
  };
}

function account(id: string, type: string, subject: string, extra: Record<string, unknown>): Resource {
  return {
    resourceType: 'Account',
    id,
    status: 'active',
    type: { coding: [{ system: ACCOUNT_TYPES, code: type }], text: type },
    subject: [{ reference: `Patient/${subject}` }],
    ...extra,
  };
}

export function createOracleSeed(clock: SeedClock): MountSeed {
  const resources: Resource[] = [
    patient('12724066', 'SMART', 'NANCY', '1980-08-11'),
    patient('12724068', 'SMART', 'HAILEY', '2012-03-02'),
    patient('12742400', 'PARKER', 'WILL', '1999-11-20'),
    guarantorLink('12724066-12724066', 'SMART', 'NANCY', [[ROLE_CODES, 'GT']]),
    guarantorLink('12724066-12724068', 'SMART', 'NANCY', [
      [ROLE_CODES, 'GT'],
      [ROLE_CODES, 'MTH'],
    ]),
    guarantorLink('12742401-12742400', 'PARKER', 'ROSE', [[ROLE_CODES, 'GT']]),
    // Financial accounts: `-guarantor` of either of Nancy's RelatedPersons finds both of hers.
    account('F1131724', 'financial-account', '12724066', {
      guarantor: [{ party: { reference: 'RelatedPerson/12724066-12724066' } }],
    }),
    account('F1131725', 'financial-account', '12724068', {
      guarantor: [{ party: { reference: 'RelatedPerson/12724066-12724068' } }],
    }),
    account('F1131726', 'financial-account', '12742400', {
      guarantor: [{ party: { reference: 'RelatedPerson/12742401-12742400' } }],
    }),
  ];
  const encounterAccounts: Record<string, string[]> = {};
  const visits: Array<{
    encounter: string;
    patient: string;
    financial: string;
    guarantor: string;
    balanceCents: number;
    daysAgo: number;
    charges: Array<[id: string, cpt: string, cents: number]>;
  }> = [
    {
      encounter: '97953536',
      patient: '12724066',
      financial: 'F1131724',
      guarantor: '12724066-12724066',
      balanceCents: 12500,
      daysAgo: 75,
      charges: [
        ['321088041', '99213', 18000],
        ['321088042', '85025', 3000],
      ],
    },
    {
      encounter: '97953601',
      patient: '12724066',
      financial: 'F1131724',
      guarantor: '12724066-12724066',
      balanceCents: -500,
      daysAgo: 40,
      charges: [['321088043', '99212', 9500]],
    },
    {
      encounter: '97954095',
      patient: '12724068',
      financial: 'F1131725',
      guarantor: '12724066-12724068',
      balanceCents: 6000,
      daysAgo: 20,
      charges: [['321088050', '99392', 15000]],
    },
    {
      encounter: '97961010',
      patient: '12742400',
      financial: 'F1131726',
      guarantor: '12742401-12742400',
      balanceCents: 4000,
      daysAgo: 10,
      charges: [['321088060', '99203', 11000]],
    },
  ];
  for (const visit of visits) {
    const gId = ORACLE_SEED.guarantorBalanceAccounts[visit.encounter as keyof typeof ORACLE_SEED.guarantorBalanceAccounts];
    const chargeGroup = `C${gId.slice(1)}`;
    const start = clock.instantDaysAgo(visit.daysAgo);
    encounterAccounts[visit.encounter] = [gId];
    resources.push(
      {
        resourceType: 'Encounter',
        id: visit.encounter,
        status: 'finished',
        class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'AMB' },
        subject: { reference: `Patient/${visit.patient}` },
        period: { start, end: start },
        account: [{ reference: `Account/${visit.financial}` }],
      },
      account(gId, 'guarantor-balance', visit.patient, {
        extension: [ext('account-balance', { valueMoney: { value: decimalText(visit.balanceCents), currency: 'USD' } })],
        servicePeriod: { start },
        guarantor: [{ party: { reference: `RelatedPerson/${visit.guarantor}` } }],
        partOf: { reference: `Account/${visit.financial}` },
      }),
      account(chargeGroup, 'charge-group', visit.patient, {
        servicePeriod: { start },
        partOf: { reference: `Account/${visit.financial}` },
      }),
    );
    for (const [id, cpt, cents] of visit.charges) {
      resources.push({
        resourceType: 'ChargeItem',
        id,
        extension: [
          ext('net-price', { valueMoney: money(cents) }),
          ext('unit-price', { valueMoney: money(cents) }),
          ext('description', { valueString: `CPT ${cpt}` }),
        ],
        status: 'billable',
        code: { coding: [{ system: CPT, code: cpt }] },
        subject: { reference: `Patient/${visit.patient}` },
        context: { reference: `Encounter/${visit.encounter}` },
        occurrenceDateTime: start,
        performer: [
          {
            function: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0912', code: 'OP' }] },
            actor: { reference: 'Practitioner/4122622' },
          },
        ],
        quantity: { value: 1 },
        account: [{ reference: `Account/${chargeGroup}` }],
      });
    }
  }
  resources.push({
    resourceType: 'Coverage',
    id: ORACLE_SEED.coverageId,
    status: 'active',
    subscriberId: 'W123456789',
    identifier: [
      { type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0203', code: 'MB' }] }, value: 'W123456789' },
    ],
    beneficiary: { reference: 'Patient/12724066' },
    relationship: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/subscriber-relationship', code: 'self' }] },
    period: { start: clock.daysAgo(400) },
    payor: [{ reference: 'Organization/490016987', display: 'Aetna' }],
    class: [
      { type: { coding: [{ code: 'group' }] }, value: '86753', name: 'Aetna Choice POS II' },
      { type: { coding: [{ code: 'plan' }] }, value: 'POS-II', name: 'Aetna Open Access' },
    ],
    order: 1,
  });
  return { resources, encounterAccounts };
}
