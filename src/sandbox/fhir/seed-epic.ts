/**
 * Epic seed: Jane Doe with a Coverage and two CARIN-BB-shaped EOBs (one `complete` with its
 * adjudication, one `queued`), and a patient without EOBs. Ids are opaque, case-sensitive strings.
 * Jane's name, birth date and member id (`AVL000001`) are the Availity sandbox's first seeded
 * member, so sandbox mode checks her eligibility end to end.
 */
import { money, type SeedClock } from './seed-dates';
import type { MountSeed, Resource } from './store';

const ADJUDICATION = 'http://terminology.hl7.org/CodeSystem/adjudication';
const C4BB = 'http://hl7.org/fhir/us/carin-bb/CodeSystem/C4BBAdjudication';
const CPT = 'http://www.ama-assn.org/go/cpt';

export const EPIC_SEED = {
  jane: {
    patientId: 'eJaneDoe0000000000000003',
    coverageId: 'eCovJaneDoe.Aetna.1',
    eobs: ['eEOB.Jane.Complete.1', 'eEOB.Jane.Queued.2'],
  },
  noClaims: { patientId: 'eNoClaims000000000000003' },
} as const;

const category = (system: string, code: string) => ({ coding: [{ system, code }] });
const adjudication = (system: string, code: string, cents: number) => ({
  category: category(system, code),
  amount: money(cents),
});

function patient(id: string, family: string, given: string, birthDate: string): Resource {
  return { resourceType: 'Patient', id, active: true, name: [{ use: 'official', family, given: [given] }], birthDate };
}

export function createEpicSeed(clock: SeedClock): MountSeed {
  const { jane } = EPIC_SEED;
  const eob = (
    id: string,
    outcome: string,
    daysAgo: number,
    items: Array<Record<string, unknown>>,
    total: Array<Record<string, unknown>>,
  ): Resource => ({
    resourceType: 'ExplanationOfBenefit',
    id,
    status: 'active',
    type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/claim-type', code: 'professional' }] },
    use: 'claim',
    patient: { reference: `Patient/${jane.patientId}` },
    billablePeriod: { start: clock.daysAgo(daysAgo) },
    created: clock.instantDaysAgo(daysAgo - 5),
    insurer: { display: 'Aetna' },
    provider: { reference: 'Practitioner/eDrSmith0000000000000001' },
    outcome,
    insurance: [{ focal: true, coverage: { reference: `Coverage/${jane.coverageId}` } }],
    item: items,
    total,
  });
  return {
    resources: [
      patient(jane.patientId, 'Doe', 'Jane', '1985-04-12'),
      patient(EPIC_SEED.noClaims.patientId, 'Noclaims', 'Sam', '1990-01-01'),
      {
        resourceType: 'Coverage',
        id: jane.coverageId,
        status: 'active',
        subscriberId: 'AVL000001',
        beneficiary: { reference: `Patient/${jane.patientId}` },
        relationship: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/subscriber-relationship', code: 'self' }] },
        period: { start: clock.daysAgo(500) },
        payor: [{ reference: 'Organization/eAetna', display: 'Aetna' }],
        class: [{ type: { coding: [{ code: 'group' }] }, value: 'GRP-7781', name: 'Lakeview Employees' }],
        order: 1,
      },
      eob(
        jane.eobs[0],
        'complete',
        60,
        [
          {
            sequence: 1,
            productOrService: { coding: [{ system: CPT, code: '99213' }] },
            servicedDate: clock.daysAgo(60),
            net: money(18000),
            adjudication: [
              adjudication(ADJUDICATION, 'submitted', 18000),
              adjudication(ADJUDICATION, 'eligible', 12000),
              adjudication(ADJUDICATION, 'benefit', 9600),
              adjudication(C4BB, 'memberliability', 2400),
            ],
          },
        ],
        [
          adjudication(ADJUDICATION, 'submitted', 18000),
          adjudication(ADJUDICATION, 'benefit', 9600),
          adjudication(C4BB, 'memberliability', 2400),
        ],
      ),
      eob(
        jane.eobs[1],
        'queued',
        12,
        [
          {
            sequence: 1,
            productOrService: { coding: [{ system: CPT, code: '99214' }] },
            servicedDate: clock.daysAgo(12),
            net: money(15000),
            adjudication: [adjudication(ADJUDICATION, 'submitted', 15000)],
          },
        ],
        [adjudication(ADJUDICATION, 'submitted', 15000)],
      ),
    ],
  };
}
