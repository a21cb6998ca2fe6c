/**
 * The claim-status simulator's seed (data only), as the team's claim-status spec lists it: two
 * payers, two members (one with a dependent) and six scripted claims. A script is the list of
 * answers a claim gives, one per inquiry; the last repeats. Service dates are relative to the
 * sandbox's start, so the claims always fall in the gateway's inquiry window.
 */

/** A person as the payer knows her; `dateOfBirth` is `YYYYMMDD` (the wire's form). */
export interface PayerPerson {
  firstName: string;
  lastName: string;
  dateOfBirth: string;
}

/** A payer's `AAA` rejection of an inquiry (`errorResponse.errors[]`). */
export interface Rejection {
  code: string;
  description: string;
  followupAction: string;
}

export interface ClaimMember extends PayerPerson {
  payerId: string;
  memberId: string;
  dependents: PayerPerson[];
  /** Every inquiry about this member is rejected with this (knob-added members only). */
  rejection?: Rejection;
}

/** One answer of a claim's script. Amounts in integer cents. */
export interface ClaimStep {
  statusCategoryCode: string;
  statusCode: string;
  /** STC01-3; default `PR` (payer). */
  entityCode?: string;
  /** `null` or absent: not stated (absent ≠ 0). */
  amountPaid?: number | null;
  /** `YYYY-MM-DD`; `true`: the day the step was first answered. Absent: none. */
  paidDate?: string | true;
  checkNumber?: string;
  /** Per service line, in line order; default: all of `amountPaid` on the first line, 0 on the others. */
  linesPaid?: number[];
}

export interface ClaimLine {
  procedureId: string;
  /** Cents. */
  submitted: number;
}

export interface SeededClaim {
  payerId: string;
  memberId: string;
  patientAccountNumber: string;
  /** The patient when she is not the subscriber: inquiries must name her as `dependent`. */
  dependent?: PayerPerson;
  /** `YYYYMMDD` service dates. */
  serviceFrom: string;
  serviceTo: string;
  lines: ClaimLine[];
  script: ClaimStep[];
}

export const PAYERS: Readonly<Record<string, string>> = {
  SANDBOX1: 'ACME HEALTH PPO',
  SANDBOX2: 'SUMMIT MUTUAL INSURANCE',
};

/** The seeded ids, for tests and the README. */
export const CLAIM_STATUS_SEED = {
  apiKey: 'sandbox-claim-status-key',
  payers: { acme: 'SANDBOX1', second: 'SANDBOX2' },
  members: { janeDoe: 'W123456789', johnRoe: 'W223344556' },
  claims: {
    paidAfterPending: 'CLM1001',
    denied: 'CLM1002',
    rejectedForever: 'CLM1003',
    infoRequestedThenPaid: 'CLM1004',
    dependentForwarded: 'CLM1005',
    payerSystemDownTwice: 'CLM1006',
  },
} as const;

const JANE: PayerPerson = { firstName: 'JANE', lastName: 'DOE', dateOfBirth: '19850412' };
const MIA: PayerPerson = { firstName: 'MIA', lastName: 'DOE', dateOfBirth: '20150601' };
const JOHN: PayerPerson = { firstName: 'JOHN', lastName: 'ROE', dateOfBirth: '19791130' };

/** The seeded members: under both payers (claims are seeded under `SANDBOX1` only). */
export function seededMembers(): ClaimMember[] {
  return Object.keys(PAYERS).flatMap((payerId) => [
    { payerId, memberId: CLAIM_STATUS_SEED.members.janeDoe, ...JANE, dependents: [MIA] },
    { payerId, memberId: CLAIM_STATUS_SEED.members.johnRoe, ...JOHN, dependents: [] },
  ]);
}

/** `YYYYMMDD` of the day `days` before `now` (UTC). */
function daysBefore(now: number, days: number): string {
  return new Date(now - days * 86_400_000).toISOString().slice(0, 10).replaceAll('-', '');
}

const received = { statusCategoryCode: 'A2', statusCode: '20' };
const pending = { statusCategoryCode: 'P1', statusCode: '20' };

/** The seeded claims, their service dates counted back from `now`. */
export function seededClaims(now: number): SeededClaim[] {
  const { janeDoe, johnRoe } = CLAIM_STATUS_SEED.members;
  const claim = (
    patientAccountNumber: string,
    memberId: string,
    daysAgo: number,
    lines: ClaimLine[],
    script: ClaimStep[],
    dependent?: PayerPerson,
  ): SeededClaim => {
    const day = daysBefore(now, daysAgo);
    return {
      payerId: 'SANDBOX1',
      memberId,
      patientAccountNumber,
      ...(dependent ? { dependent } : {}),
      serviceFrom: day,
      serviceTo: day,
      lines,
      script,
    };
  };
  return [
    claim(
      'CLM1001',
      janeDoe,
      20,
      [
        { procedureId: '99213', submitted: 15000 },
        { procedureId: '85025', submitted: 3000 },
      ],
      [
        received,
        pending,
        {
          statusCategoryCode: 'F1',
          statusCode: '65',
          amountPaid: 9600,
          linesPaid: [8000, 1600],
          paidDate: true,
          checkNumber: 'EFT0001',
        },
      ],
    ),
    claim(
      'CLM1002',
      janeDoe,
      25,
      [{ procedureId: '99214', submitted: 22000 }],
      [received, { statusCategoryCode: 'F2', statusCode: '1', amountPaid: 0 }],
    ),
    claim('CLM1003', johnRoe, 15, [{ procedureId: '99213', submitted: 15000 }], [{ statusCategoryCode: 'A7', statusCode: '21' }]),
    claim(
      'CLM1004',
      johnRoe,
      30,
      [{ procedureId: '99212', submitted: 7500 }],
      [
        pending,
        { statusCategoryCode: 'R3', statusCode: '21' },
        pending,
        { statusCategoryCode: 'F1', statusCode: '65', amountPaid: 5000, paidDate: true, checkNumber: 'EFT0004' },
      ],
    ),
    claim(
      'CLM1005',
      janeDoe,
      12,
      [{ procedureId: '99392', submitted: 15000 }],
      [{ statusCategoryCode: 'F3F', statusCode: '1', amountPaid: 4000, paidDate: true, checkNumber: 'EFT0005' }],
      MIA,
    ),
    claim(
      'CLM1006',
      janeDoe,
      8,
      [{ procedureId: '99213', submitted: 15000 }],
      [{ statusCategoryCode: 'E2', statusCode: '0' }, { statusCategoryCode: 'E2', statusCode: '0' }, pending],
    ),
  ];
}

/** STC01-1 descriptions (X12 507). */
export const CATEGORY_TEXT: Readonly<Record<string, string>> = {
  A0: 'Acknowledgement/Forwarded-The claim/encounter has been forwarded to another entity.',
  A1: 'Acknowledgement/Receipt-The claim/encounter has been received.',
  A2: 'Acknowledgement/Acceptance into adjudication system-The claim/encounter has been accepted into the adjudication system.',
  A3: 'Acknowledgement/Returned as unprocessable claim-The claim/encounter has been rejected and has not been entered into the adjudication system.',
  A4: 'Acknowledgement/Not Found-The claim/encounter can not be found in the adjudication system.',
  A5: 'Acknowledgement/Split Claim-The claim/encounter has been split upon acceptance into the adjudication system.',
  A6: 'Acknowledgement/Rejected for Missing Information',
  A7: 'Acknowledgement/Rejected for Invalid Information',
  A8: 'Acknowledgement/Rejected for relational field in error.',
  P0: 'Pending: Adjudication/Details-This is a generic message about a pended claim.',
  P1: 'Pending/In Process-The claim or encounter is in the adjudication system.',
  P2: 'Pending/Payer Review-The claim/encounter is suspended and is pending review.',
  P3: 'Pending/Provider Requested Information',
  P4: 'Pending/Patient Requested Information',
  P5: 'Pending/Payer Administrative/System hold',
  R0: 'Requests for additional Information/General Requests',
  R1: 'Requests for additional Information/Entity Requests',
  R3: 'Requests for additional Information/Claim/Line',
  R4: 'Requests for additional Information/Documentation',
  F0: 'Finalized-The claim/encounter has completed the adjudication cycle and no more action will be taken.',
  F1: 'Finalized/Payment-The claim/line has been paid.',
  F2: 'Finalized/Denial-The claim/line has been denied.',
  F3: 'Finalized/Revised-Adjudication information has been changed',
  F3F: "Finalized/Forwarded-The claim/encounter processing has been completed. Any applicable payment has been made and the claim/encounter has been forwarded to a subsequent entity as identified on the original claim or in this payer's records.",
  F3N: 'Finalized/Not Forwarded-The claim/encounter processing has been completed. Any applicable payment has been made. The claim/encounter has NOT been forwarded to any subsequent entity identified on the original claim.',
  F4: 'Finalized/Adjudication Complete-No payment forthcoming-The claim/encounter has been adjudicated and no further payment is forthcoming.',
  E0: 'Response not possible - error on submitted request data',
  E1: 'Response not possible - System Status',
  E2: 'Information Holder is not responding; resubmit at a later time.',
  E3: 'Correction required - relational fields in error.',
  E4: 'Trading partner agreement specific requirement not met: Data correction required.',
};

/** STC01-2 descriptions (X12 508) for the frequent codes. */
export const STATUS_TEXT: Readonly<Record<string, string>> = {
  '0': 'Cannot provide further status electronically.',
  '1': 'For more detailed information, see remittance advice.',
  '3': 'Claim has been adjudicated and is awaiting payment cycle.',
  '6': 'Balance due from the subscriber.',
  '20': 'Accepted for processing.',
  '21': 'Missing or invalid information.',
  '35': 'Claim/encounter not found.',
  '65': 'Claim/line has been paid.',
};
