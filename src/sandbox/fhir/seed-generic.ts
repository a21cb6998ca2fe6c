/**
 * Generic (HAPI-like) seed with the shapes of the NexHealth sandbox's practices: a family whose
 * mother guarantees herself and her son (one Account, two subjects), a child guaranteed by a
 * non-patient RelatedPerson, a long ledger (45 charges: paging at 20), ChargeItems with
 * `priceOverride` (and one without, which the adapter skips), Claims adjudicated / queued /
 * cancelled with their ClaimResponses, two PaymentReconciliations (a payment, an adjustment) and
 * coverage. The practice's type lists are in `GENERIC_SEED.paymentTypes` / `adjustmentTypes`.
 */
import { money, type SeedClock } from './seed-dates';
import type { MountSeed, Resource } from './store';

const ADJUDICATION = 'http://terminology.hl7.org/CodeSystem/adjudication';
const CPT = 'http://www.ama-assn.org/go/cpt';
const PAYMENT_TYPE = 'http://terminology.hl7.org/CodeSystem/payment-type';

export const GENERIC_SEED = {
  alvarez: { patientId: 'pat-alvarez', kidId: 'pat-alvarez-kid', accountId: 'acct-alvarez' },
  okafor: { patientId: 'pat-okafor-kid', relatedPersonId: 'rp-okafor', accountId: 'acct-okafor' },
  longLedger: { patientId: 'pat-ledger-long', accountId: 'acct-ledger-long', charges: 45 },
  paymentTypes: ['Cash', 'Check', 'Credit Card'],
  adjustmentTypes: { 'Courtesy Discount': 'credit', 'NSF Fee': 'debit' } as Record<string, 'credit' | 'debit'>,
  paymentReconciliations: ['pr-1', 'pr-2'],
} as const;

const name = (family: string, given: string) => [{ use: 'official', family, given: [given] }];
const adjudication = (code: string, cents: number) => ({
  category: { coding: [{ system: ADJUDICATION, code }] },
  amount: money(cents),
});

function charge(
  id: string,
  patient: string,
  encounter: string,
  cpt: string,
  cents: number | null,
  date: string,
  status = 'billable',
): Resource {
  return {
    resourceType: 'ChargeItem',
    id,
    status,
    code: { coding: [{ system: CPT, code: cpt }] },
    subject: { reference: `Patient/${patient}` },
    context: { reference: `Encounter/${encounter}` },
    occurrenceDateTime: date,
    performer: [{ actor: { reference: 'Practitioner/prac-lee' } }],
    ...(cents === null ? {} : { priceOverride: money(cents) }),
  };
}

function coverage(id: string, patient: string, relationship: string, clock: SeedClock): Resource {
  return {
    resourceType: 'Coverage',
    id,
    status: 'active',
    subscriberId: `BCX-${id}`,
    beneficiary: { reference: `Patient/${patient}` },
    relationship: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/subscriber-relationship', code: relationship }] },
    period: { start: clock.daysAgo(365) },
    payor: [{ reference: 'Organization/org-bcbs', display: 'Blue Cross Blue Shield' }],
    class: [{ type: { coding: [{ code: 'group' }] }, value: 'G-1001', name: 'Open FHIR Employees' }],
    order: 1,
  };
}

export function createGenericSeed(clock: SeedClock): MountSeed {
  const { alvarez, okafor, longLedger } = GENERIC_SEED;
  const d = clock.daysAgo;
  const resources: Resource[] = [
    { resourceType: 'Patient', id: alvarez.patientId, active: true, name: name('Alvarez', 'Maria'), birthDate: '1984-05-02' },
    { resourceType: 'Patient', id: alvarez.kidId, active: true, name: name('Alvarez', 'Leo'), birthDate: '2015-09-12' },
    { resourceType: 'Patient', id: okafor.patientId, active: true, name: name('Okafor', 'Ada'), birthDate: '2013-02-27' },
    { resourceType: 'Patient', id: longLedger.patientId, active: true, name: name('Long', 'Lydia'), birthDate: '1950-12-01' },
    {
      resourceType: 'RelatedPerson',
      id: okafor.relatedPersonId,
      active: true,
      patient: { reference: `Patient/${okafor.patientId}` },
      name: name('Okafor', 'Chidi'),
    },
    {
      resourceType: 'Account',
      id: alvarez.accountId,
      status: 'active',
      subject: [{ reference: `Patient/${alvarez.patientId}` }, { reference: `Patient/${alvarez.kidId}` }],
      guarantor: [{ party: { reference: `Patient/${alvarez.patientId}` }, onHold: false, period: { start: d(900) } }],
    },
    {
      resourceType: 'Account',
      id: okafor.accountId,
      status: 'active',
      subject: [{ reference: `Patient/${okafor.patientId}` }],
      guarantor: [{ party: { reference: `RelatedPerson/${okafor.relatedPersonId}` }, onHold: false, period: { start: d(900) } }],
    },
    {
      resourceType: 'Account',
      id: longLedger.accountId,
      status: 'active',
      subject: [{ reference: `Patient/${longLedger.patientId}` }],
      guarantor: [{ party: { reference: `Patient/${longLedger.patientId}` }, onHold: false, period: { start: d(900) } }],
    },
    charge('ch-alv-1', alvarez.patientId, 'enc-alv-1', '99213', 18000, d(90), 'billed'),
    charge('ch-alv-2', alvarez.patientId, 'enc-alv-1', '85025', 3000, d(90)),
    charge('ch-alv-3', alvarez.patientId, 'enc-alv-2', '99212', 9500, d(30), 'billed'),
    charge('ch-alv-nofee', alvarez.patientId, 'enc-alv-2', '36415', null, d(30)),
    charge('ch-alv-kid-1', alvarez.kidId, 'enc-alv-kid-1', '99392', 15000, d(45), 'billed'),
    charge('ch-oka-1', okafor.patientId, 'enc-oka-1', '99213', 9500, d(15)),
    coverage('cov-alvarez', alvarez.patientId, 'self', clock),
    coverage('cov-alvarez-kid', alvarez.kidId, 'child', clock),
    coverage('cov-okafor-kid', okafor.patientId, 'child', clock),
    // Lydia: a Medicare coverage whose member number is only an identifier (type MB), and an
    // employer coverage still `active` upstream whose period ended (not active by the period rule).
    {
      resourceType: 'Coverage',
      id: 'cov-long-medicare',
      status: 'active',
      identifier: [
        { type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0203', code: 'MB' }] }, value: '1EG4TE5MK73' },
      ],
      beneficiary: { reference: `Patient/${longLedger.patientId}` },
      relationship: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/subscriber-relationship', code: 'self' }] },
      period: { start: d(200) },
      payor: [{ reference: 'Organization/org-cms', display: 'Medicare' }],
      class: [{ type: { coding: [{ code: 'plan' }] }, value: 'PART-B' }],
      order: 1,
    },
    {
      resourceType: 'Coverage',
      id: 'cov-long-employer',
      status: 'active',
      subscriberId: 'EMP-00417722',
      beneficiary: { reference: `Patient/${longLedger.patientId}` },
      relationship: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/subscriber-relationship', code: 'spouse' }] },
      period: { start: d(900), end: d(201) },
      payor: [{ reference: 'Organization/org-bcbs', display: 'Blue Cross Blue Shield' }],
      class: [{ type: { coding: [{ code: 'group' }] }, value: 'G-2002', name: 'Retired Staff' }],
      order: 2,
    },
  ];
  for (let n = 1; n <= longLedger.charges; n++)
    resources.push(charge(`ch-long-${n}`, longLedger.patientId, `enc-long-${n}`, '99211', 2500 + n * 100, d(400 - n * 7)));

  const claim = (
    id: string,
    patient: string,
    status: string,
    items: Array<[seq: number, encounter: string, cpt: string, cents: number, date: string]>,
    coverageId: string,
  ): Resource => ({
    resourceType: 'Claim',
    id,
    status,
    use: 'claim',
    patient: { reference: `Patient/${patient}` },
    created: `${items[0]?.[4] ?? d(0)}T12:00:00Z`,
    provider: { reference: 'Practitioner/prac-lee' },
    insurance: [{ sequence: 1, focal: true, coverage: { reference: `Coverage/${coverageId}` } }],
    item: items.map(([sequence, encounter, cpt, cents, date]) => ({
      sequence,
      encounter: [{ reference: `Encounter/${encounter}` }],
      productOrService: { coding: [{ system: CPT, code: cpt }] },
      servicedDate: date,
      net: money(cents),
    })),
    total: money(items.reduce((sum, item) => sum + item[3], 0)),
  });
  resources.push(
    claim('claim-alv-1', alvarez.patientId, 'active', [[1, 'enc-alv-1', '99213', 18000, d(90)]], 'cov-alvarez'),
    {
      resourceType: 'ClaimResponse',
      id: 'cr-alv-1',
      status: 'active',
      use: 'claim',
      patient: { reference: `Patient/${alvarez.patientId}` },
      created: `${d(60)}T09:00:00Z`,
      request: { reference: 'Claim/claim-alv-1' },
      outcome: 'complete',
      item: [
        {
          itemSequence: 1,
          adjudication: [adjudication('submitted', 18000), adjudication('eligible', 12000), adjudication('benefit', 9600)],
        },
      ],
      total: [adjudication('submitted', 18000), adjudication('eligible', 12000), adjudication('benefit', 9600)],
      payment: { amount: money(9600), date: d(58) },
    },
    claim('claim-alv-2', alvarez.patientId, 'active', [[1, 'enc-alv-2', '99212', 9500, d(30)]], 'cov-alvarez'),
    {
      resourceType: 'ClaimResponse',
      id: 'cr-alv-2',
      status: 'active',
      use: 'claim',
      patient: { reference: `Patient/${alvarez.patientId}` },
      created: `${d(25)}T09:00:00Z`,
      request: { reference: 'Claim/claim-alv-2' },
      outcome: 'queued',
    },
    claim('claim-alv-kid-1', alvarez.kidId, 'cancelled', [[1, 'enc-alv-kid-1', '99392', 15000, d(45)]], 'cov-alvarez-kid'),
    {
      resourceType: 'PaymentReconciliation',
      id: 'pr-1',
      meta: { tag: [{ system: 'urn:ledger-gateway:patient', code: alvarez.patientId }] },
      status: 'active',
      created: `${d(50)}T15:00:00Z`,
      paymentDate: d(50),
      outcome: 'complete',
      paymentAmount: money(2000),
      detail: [
        {
          type: { coding: [{ system: PAYMENT_TYPE, code: 'payment' }], text: 'Credit Card' },
          request: { reference: 'ChargeItem/ch-alv-1' },
          date: d(50),
          amount: money(2000),
        },
      ],
    },
    {
      resourceType: 'PaymentReconciliation',
      id: 'pr-2',
      meta: { tag: [{ system: 'urn:ledger-gateway:patient', code: alvarez.patientId }] },
      status: 'active',
      created: `${d(49)}T15:00:00Z`,
      paymentDate: d(49),
      outcome: 'complete',
      paymentAmount: money(-500),
      detail: [
        {
          type: { coding: [{ system: PAYMENT_TYPE, code: 'adjustment' }], text: 'Courtesy Discount' },
          request: { reference: 'ChargeItem/ch-alv-2' },
          date: d(49),
          amount: money(-500),
        },
      ],
    },
  );
  return { resources };
}
