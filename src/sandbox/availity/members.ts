/**
 * The seeded members of the Availity simulator and their scripts (data only), as the team's
 * eligibility spec lists them. A script is the list of answers a coverage gives: the first to the
 * POST, then one per GET; the last repeats. Wire shapes (`WirePlan`, `NetworkBenefit`) are
 * Availity's Coverages 1.0.0 names.
 */
import { decimalText } from '../shared/wire-money';

/** A NetworkBenefit: every field optional, amounts as decimal strings. */
export interface NetworkBenefit {
  amount?: string;
  total?: string;
  remaining?: string;
  units?: string;
  level?: string;
  levelCode?: string;
  amountTimePeriodCode?: string;
  totalTimePeriodCode?: string;
  remainingTimePeriodCode?: string;
  placeOfServiceCode?: string;
  authorizationRequired?: boolean;
  description?: string;
}

/** A BenefitDetail: the four network buckets. */
export interface BenefitDetail {
  inNetwork?: NetworkBenefit[];
  outOfNetwork?: NetworkBenefit[];
  noNetwork?: NetworkBenefit[];
  notApplicableNetwork?: NetworkBenefit[];
}

export interface WireBenefit {
  name: string;
  type: string;
  status?: string;
  statusCode?: string;
  amounts?: { coPayment?: BenefitDetail; coInsurance?: BenefitDetail; deductibles?: BenefitDetail; outOfPocket?: BenefitDetail };
}

export interface WirePlan {
  status?: string;
  statusCode?: string;
  planName?: string;
  groupNumber?: string;
  groupName?: string;
  insuranceType?: string;
  insuranceTypeCode?: string;
  coverageStartDate?: string;
  coverageEndDate?: string;
  eligibilityStartDate?: string;
  eligibilityEndDate?: string;
  benefits: WireBenefit[];
}

/** A payer's `AAA` rejection as Availity carries it (`statusCode` `19`). */
export interface ValidationMessage {
  code: string;
  errorMessage: string;
  field?: string;
  index?: number;
}

/** One answer of a coverage: its status code and, when complete, its plans or, on `19`, its messages. */
export interface CoverageStep {
  statusCode: string;
  plans?: WirePlan[];
  validationMessages?: ValidationMessage[];
}

export interface MemberPerson {
  firstName: string;
  lastName: string;
  /** `YYYY-MM-DD`. */
  birthDate: string;
  gender?: 'M' | 'F' | 'U';
}

/** A member the simulator knows: who the patient is, and what a coverage inquiry about her answers. */
export interface SeededMember {
  memberId: string;
  patient: MemberPerson;
  /** X12 relationship code of the patient to the subscriber (`18` self, `19` child, …). */
  relationshipCode: string;
  /** The subscriber's member id when the patient is a dependent; her inquiries may also use it. */
  subscriberMemberId?: string;
  steps: CoverageStep[];
}

/** Availity's words for the coverage status codes (the spec's table). */
export const COVERAGE_STATUS: Readonly<Record<string, string>> = {
  '0': 'In Progress',
  R1: 'Communication Error, Retrying',
  '3': 'Complete, Invalid Response',
  '4': 'Complete',
  '7': 'Communication Error, No Response',
  '13': 'Communication Error, Invalid Response',
  '14': 'Communication Error, No Response',
  '15': 'Communication Error, Down for Maintenance',
  '19': 'Request Error',
};

/** X12 EB01 descriptions for plan and benefit status codes. */
export const ELIGIBILITY_STATUS: Readonly<Record<string, string>> = {
  '1': 'Active Coverage',
  '2': 'Active - Full Risk Capitation',
  '3': 'Active - Services Capitated',
  '4': 'Active - Services Capitated to Primary Care Physician',
  '5': 'Active - Pending Investigation',
  '6': 'Inactive',
  '7': 'Inactive - Pending Eligibility Update',
  '8': 'Inactive - Pending Investigation',
};

/** `2025-01-01` → Availity's timestamp form (Eastern midnight in UTC, as its samples show). */
export const wireDate = (day: string): string => `${day}T05:00:00.000+0000`;

const money = decimalText;
const IND = { level: 'Individual', levelCode: 'IND' } as const;
const FAM = { level: 'Family', levelCode: 'FAM' } as const;
const percent = (value: string): NetworkBenefit => ({ amount: value, units: 'Percent' });
const limit = (total: number, remaining: number): NetworkBenefit => ({
  total: money(total),
  remaining: money(remaining),
  totalTimePeriodCode: '23',
  remainingTimePeriodCode: '29',
});
const officeCopay = (cents: number, pos = '11'): NetworkBenefit => ({
  amount: money(cents),
  placeOfServiceCode: pos,
  amountTimePeriodCode: '27',
});
const active = { status: ELIGIBILITY_STATUS['1'], statusCode: '1' };
const PLAN_COVERAGE = 'Health Benefit Plan Coverage';
const OFFICE_VISIT = 'Professional (Physician) Visit - Office';

/** AVL000001's plan: the full PPO answer the spec describes (also AVL000004's and AVL000007's). */
function acmePpo(withStatus = true): WirePlan {
  return {
    ...(withStatus ? active : {}),
    planName: 'ACME PPO',
    groupNumber: 'GRP1001',
    groupName: 'ACME SANDBOX EMPLOYEES',
    insuranceType: 'Preferred Provider Organization (PPO)',
    insuranceTypeCode: 'PR',
    coverageStartDate: wireDate('2025-01-01'),
    eligibilityStartDate: wireDate('2025-01-01'),
    benefits: [
      {
        name: PLAN_COVERAGE,
        type: '30',
        ...(withStatus ? active : {}),
        amounts: {
          deductibles: {
            inNetwork: [
              { ...IND, ...limit(150000, 120000) },
              { ...FAM, ...limit(300000, 250000) },
            ],
            outOfNetwork: [{ ...IND, ...limit(300000, 300000) }],
          },
          outOfPocket: { inNetwork: [{ ...IND, ...limit(600000, 510000) }] },
        },
      },
      {
        name: OFFICE_VISIT,
        type: '98',
        ...(withStatus ? active : {}),
        amounts: {
          coPayment: { inNetwork: [{ ...IND, ...officeCopay(2500) }], outOfNetwork: [{ ...IND, ...officeCopay(5000) }] },
          coInsurance: { inNetwork: [{ ...IND, ...percent('20') }], outOfNetwork: [{ ...IND, ...percent('40') }] },
        },
      },
    ],
  };
}

const complete = (plans: WirePlan[]): CoverageStep => ({ statusCode: '4', plans });
const inProgress: CoverageStep = { statusCode: '0' };
const retrying: CoverageStep = { statusCode: 'R1' };

/** The seeded members, by member id. */
export function seededMembers(): SeededMember[] {
  return [
    {
      memberId: 'AVL000001',
      patient: { firstName: 'JANE', lastName: 'DOE', birthDate: '1985-04-12', gender: 'F' },
      relationshipCode: '18',
      steps: [complete([acmePpo()])],
    },
    {
      memberId: 'AVL000002',
      patient: { firstName: 'JOHN', lastName: 'ROE', birthDate: '1979-11-30', gender: 'M' },
      relationshipCode: '18',
      steps: [
        complete([
          {
            status: ELIGIBILITY_STATUS['6'],
            statusCode: '6',
            planName: 'ACME PPO',
            groupNumber: 'GRP1001',
            insuranceTypeCode: 'PR',
            coverageStartDate: wireDate('2024-01-01'),
            coverageEndDate: wireDate('2024-12-31'),
            eligibilityStartDate: wireDate('2024-01-01'),
            eligibilityEndDate: wireDate('2024-12-31'),
            benefits: [{ name: PLAN_COVERAGE, type: '30', status: ELIGIBILITY_STATUS['6'], statusCode: '6' }],
          },
        ]),
      ],
    },
    {
      memberId: 'AVL000003',
      patient: { firstName: 'MIA', lastName: 'DOE', birthDate: '2015-06-01', gender: 'F' },
      relationshipCode: '19',
      subscriberMemberId: 'AVL000001',
      steps: [
        complete([
          {
            ...active,
            planName: 'ACME HDHP',
            groupNumber: 'GRP1001',
            groupName: 'ACME SANDBOX EMPLOYEES',
            insuranceType: 'Preferred Provider Organization (PPO)',
            insuranceTypeCode: 'PR',
            coverageStartDate: wireDate('2025-01-01'),
            benefits: [
              {
                name: PLAN_COVERAGE,
                type: '30',
                ...active,
                amounts: { deductibles: { inNetwork: [{ ...IND, ...limit(300000, 300000) }] } },
              },
              {
                name: OFFICE_VISIT,
                type: '98',
                ...active,
                amounts: { coInsurance: { inNetwork: [{ ...IND, ...percent('10') }] } },
              },
            ],
          },
        ]),
      ],
    },
    {
      memberId: 'AVL000004',
      patient: { firstName: 'ANA', lastName: 'LIMA', birthDate: '1990-02-02', gender: 'F' },
      relationshipCode: '18',
      steps: [inProgress, inProgress, inProgress, complete([acmePpo()])],
    },
    {
      memberId: 'AVL000005',
      patient: { firstName: 'LEO', lastName: 'PARK', birthDate: '1972-07-07', gender: 'M' },
      relationshipCode: '18',
      steps: [retrying, retrying, retrying, { statusCode: '7' }],
    },
    {
      memberId: 'AVL000006',
      patient: { firstName: 'SAM', lastName: 'CHU', birthDate: '1988-08-08', gender: 'U' },
      relationshipCode: '18',
      steps: [
        complete([
          {
            ...active,
            planName: 'ACME PPO',
            groupNumber: 'GRP1001',
            insuranceTypeCode: 'PR',
            coverageStartDate: wireDate('2025-01-01'),
            benefits: [
              { name: PLAN_COVERAGE, type: '30', ...active },
              {
                name: OFFICE_VISIT,
                type: '98',
                ...active,
                amounts: {
                  coPayment: {
                    inNetwork: [
                      { ...IND, ...officeCopay(2500) },
                      { ...IND, ...officeCopay(4000) },
                      { ...IND, ...officeCopay(6000, '22') },
                    ],
                  },
                },
              },
            ],
          },
        ]),
      ],
    },
    {
      memberId: 'AVL000007',
      patient: { firstName: 'EVA', lastName: 'STONE', birthDate: '1966-03-03', gender: 'F' },
      relationshipCode: '18',
      steps: [{ statusCode: '3', plans: [acmePpo(false)] }],
    },
  ];
}

/** The ids of the seeded members, for tests and the README. */
export const AVAILITY_MEMBERS = {
  janeDoe: 'AVL000001',
  johnRoeInactive: 'AVL000002',
  miaDoeChild: 'AVL000003',
  anaLimaInProgress: 'AVL000004',
  leoParkNoAnswer: 'AVL000005',
  samChuAmbiguousCopay: 'AVL000006',
  evaStonePartial: 'AVL000007',
} as const;

/** `X-Api-Mock-Scenario-ID` values (Availity's demo ids) and what each answers. */
export type MockScenario =
  | { kind: 'steps'; steps: CoverageStep[] }
  | { kind: 'badRequest'; errors: Array<{ field: string; errorMessage: string; code: string }> };

export function mockScenarios(): Record<string, MockScenario> {
  const reject = (code: string, errorMessage: string, field: string): MockScenario => ({
    kind: 'steps',
    steps: [{ statusCode: '19', validationMessages: [{ code, errorMessage, field }] }],
  });
  return {
    'Coverages-Complete-i': { kind: 'steps', steps: [complete([acmePpo()])] },
    'Coverages-PayerError1-i': reject('50', 'Provider Ineligible for Inquiries', 'providerNpi'),
    'Coverages-PayerError2-i': reject('73', 'Invalid/Missing Subscriber/Insured Name', 'patientLastName'),
    'Coverages-InProgress-i': { kind: 'steps', steps: [inProgress] },
    'Coverages-Retrying-i': { kind: 'steps', steps: [retrying] },
    'Coverages-RequestError1-i': {
      kind: 'badRequest',
      errors: [{ field: 'payerId', errorMessage: 'Payer ID is required.', code: 'REQUIRED' }],
    },
    'Coverages-RequestError2-i': {
      kind: 'badRequest',
      errors: [
        { field: 'patientBirthDate', errorMessage: 'Patient birth date must be formatted as YYYY-MM-DD.', code: 'INVALID' },
      ],
    },
  };
}
