/**
 * Deterministic seed of the athenahealth sandbox: two practices, fake names, fixed dates.
 *
 *     const state = buildAthenahealthSeed();       // a fresh, mutable copy per sandbox
 *     state.practices.get(ATHENA_SEED_PRACTICE_ENTERPRISE)!.patients.get('5001')
 *
 * Every amount is integer cents here; the server turns them into loose wire values (numbers or
 * strings) when it answers. The ids worth knowing are exported as `ATHENA_SEED_*` constants and
 * described in README.md next to this file.
 */
import type { Cents } from '../shared/wire-money';
import type {
  TransactionType,
  TransferType,
  SimTransaction,
  SimCharge,
  SimClaim,
  SimDepartment,
  SimPractice,
  SimState,
} from './sim-state';

export type {
  TransactionType,
  TransferType,
  SimTransaction,
  SimCharge,
  SimClaim,
  SimPatient,
  SimAppointment,
  SimDepartment,
  SimReceipt,
  SimPractice,
  SimState,
} from './sim-state';

// ---------------------------------------------------------------------------------------------
// Notable ids
// ---------------------------------------------------------------------------------------------

/** Default OAuth client of the sandbox. */
export const ATHENA_SEED_CLIENT_ID = 'sandbox-athena-client';
export const ATHENA_SEED_CLIENT_SECRET = 'sandbox-athena-secret';

/** An enterprise practice: two provider groups (North '1', South '2'), five departments. */
export const ATHENA_SEED_PRACTICE_ENTERPRISE = '195900';
/** A non-enterprise practice: one provider group, two departments. */
export const ATHENA_SEED_PRACTICE_SINGLE = '80000';

export const ATHENA_SEED_DEPARTMENTS = {
  /** Enterprise practice, North group ('1'). */
  northMain: '1',
  northAnnex: '21',
  northPediatrics: '102',
  /** Enterprise practice, South group ('2'). */
  southClinic: '150',
  southUrgent: '162',
  /** Non-enterprise practice. */
  singleMain: '1',
  singleSatellite: '2',
} as const;

export const ATHENA_SEED_PATIENTS = {
  /** Enterprise; self-guarantor; current department 21 (North group). Claims 1001–1005. */
  selfGuarantor: '5001',
  /** Enterprise; guarantor is a non-patient parent; current department 150 (South group). Claims 2001–2002. */
  withGuarantor: '5002',
  /** Enterprise; self-guarantor with no claims at all. */
  noClaims: '5003',
  /** Non-enterprise; self-guarantor; department 2. Claims 3001–3003. */
  singleSelf: '6001',
  /** Non-enterprise; guarantor is a spouse. Claim 3101. */
  singleWithGuarantor: '6002',
  /** An id that exists nowhere: 404. */
  unknown: '999999',
} as const;

export const ATHENA_SEED_CLAIMS = {
  /** 5001: clean, North group (the patient's group): collectible, patient balance 40.00. */
  cleanInGroup: '1001',
  /** 5001: clean, South group (the other group): not collectible, 25.00. */
  cleanOtherGroup: '1002',
  /** 5001: on a payment plan, North group: not clean, 60.00. */
  paymentPlan: '1003',
  /** 5001: tied to a contract, North group: not clean, 30.00. */
  contract: '1004',
  /** 5001: clean, North group, fully paid (0.00); only listed with showallclaims=true. */
  paidOff: '1005',
  /** 5002: clean, South group (the patient's group): collectible, 75.50. */
  dependentInGroup: '2001',
  /** 5002: clean, North group: not collectible, 20.00. */
  dependentOtherGroup: '2002',
  /** 6001 (non-enterprise): clean, department 1: collectible, 50.00. */
  singleCleanA: '3001',
  /** 6001 (non-enterprise): clean, department 2: collectible, 12.34. */
  singleCleanB: '3002',
  /** 6001 (non-enterprise): payment plan: not collectible, 45.00. */
  singlePaymentPlan: '3003',
  /** 6002 (non-enterprise): clean: collectible, 18.00. */
  singleDependent: '3101',
} as const;

export const ATHENA_SEED_APPOINTMENTS = {
  /** 5001, department 21: copay 30.00, nothing collected yet. */
  selfCopay: '7001',
  /** 5002, department 150: copay 15.00, already collected 15.00 for it and 5.00 for other balances. */
  dependentCopayCollected: '7002',
  /** 6001 (non-enterprise), department 2: copay 20.00. */
  singleCopay: '8001',
} as const;

/** Test cards (spec Decisions). */
export const ATHENA_SEED_CARDS = {
  approves: '4111111111111111',
  declines: '4000000000000002',
} as const;

// ---------------------------------------------------------------------------------------------
// Builders
// ---------------------------------------------------------------------------------------------

interface ChargeSpec {
  id: string;
  code: string;
  description: string;
  fee: Cents;
  /** Primary insurance payment. */
  insurancePaid?: Cents;
  /** Contractual write-off by the primary payer. */
  contractual?: Cents;
  /** Payment(s) the patient already made on the charge. */
  patientPaid?: Cents;
  /** A credit adjustment on the patient's part (e.g. small-balance write-off). */
  patientAdjustment?: Cents;
}

function makeCharge(state: SimState, date: string, spec: ChargeSpec): SimCharge {
  const tx = (
    amount: Cents,
    type: TransactionType,
    transfertype: TransferType,
    description: string,
    epaymentid: string | null = null,
  ): SimTransaction => ({
    id: String(state.nextTransactionId++),
    date,
    amount,
    type,
    epaymentid,
    description,
    transfertype,
  });
  const insurancePaid = spec.insurancePaid ?? 0;
  const contractual = spec.contractual ?? 0;
  const patientPart = spec.fee - insurancePaid - contractual;
  const transactions: SimTransaction[] = [tx(spec.fee, 'TRANSFERIN', '1', 'Charge billed to primary insurance')];
  if (insurancePaid > 0) transactions.push(tx(-insurancePaid, 'PAYMENT', '1', 'Primary insurance payment'));
  if (contractual > 0) transactions.push(tx(-contractual, 'ADJUSTMENT', '1', 'Contractual adjustment'));
  if (patientPart > 0) {
    transactions.push(tx(-patientPart, 'TRANSFEROUT', '1', 'Transfer to patient responsibility'));
    transactions.push(tx(patientPart, 'TRANSFERIN', 'p', 'Patient responsibility'));
  }
  if (spec.patientPaid) {
    const epaymentid = String(state.nextEpaymentId++);
    transactions.push(tx(-spec.patientPaid, 'PAYMENT', 'p', 'Patient payment', epaymentid));
  }
  if (spec.patientAdjustment) {
    transactions.push(tx(-spec.patientAdjustment, 'ADJUSTMENT', 'p', 'Small balance write-off'));
  }
  return {
    id: spec.id,
    procedurecode: spec.code,
    description: spec.description,
    amount: spec.fee,
    servicedate: date,
    transactions,
  };
}

function makeClaim(
  state: SimState,
  claimid: string,
  departmentid: string,
  servicedate: string,
  charges: ChargeSpec[],
  flags: { paymentPlan?: boolean; contractId?: string } = {},
): SimClaim {
  return {
    claimid,
    departmentid,
    servicedate,
    charges: charges.map((c) => makeCharge(state, servicedate, c)),
    paymentPlan: flags.paymentPlan ?? false,
    contractId: flags.contractId ?? null,
  };
}

function department(departmentid: string, name: string, providergroupid: string, providergroupname: string): SimDepartment {
  return {
    departmentid,
    name,
    providergroupid,
    providergroupname,
    creditcardtypes: ['VI', 'MC', 'AX', 'DI'],
    timezonename: 'America/New_York',
  };
}

/** A fresh, deterministic copy of the seed (writes mutate it; each sandbox gets its own). */
export function buildAthenahealthSeed(): SimState {
  const state: SimState = { practices: new Map(), nextTransactionId: 90001, nextEpaymentId: 40001 };

  // --- Enterprise practice --------------------------------------------------------------------
  const D = ATHENA_SEED_DEPARTMENTS;
  const enterprise: SimPractice = {
    practiceid: ATHENA_SEED_PRACTICE_ENTERPRISE,
    name: 'Northside Health Partners (sandbox)',
    departments: [
      department(D.northMain, 'North Main Street', '1', 'North Group'),
      department(D.northAnnex, 'North Annex', '1', 'North Group'),
      department(D.northPediatrics, 'North Pediatrics', '1', 'North Group'),
      department(D.southClinic, 'South Clinic', '2', 'South Group'),
      department(D.southUrgent, 'South Urgent Care', '2', 'South Group'),
    ],
    patients: new Map(),
    appointments: new Map(),
    receipts: [],
  };
  const C = ATHENA_SEED_CLAIMS;
  const P = ATHENA_SEED_PATIENTS;
  enterprise.patients.set(P.selfGuarantor, {
    patientid: P.selfGuarantor,
    firstname: 'Avery',
    lastname: 'Testpatient',
    dob: '04/12/1984',
    email: 'avery.testpatient@example.test',
    departmentid: D.northAnnex,
    guarantorfirstname: 'Avery',
    guarantorlastname: 'Testpatient',
    guarantorrelationshiptopatient: 1,
    unapplied: new Map(),
    claims: [
      // 150.00 fee, insurance 90.00, contractual 20.00 → patient 40.00
      makeClaim(state, C.cleanInGroup, D.northMain, '01/15/2025', [
        {
          id: '11001',
          code: '99213',
          description: 'Office visit, established patient',
          fee: 15000,
          insurancePaid: 9000,
          contractual: 2000,
        },
      ]),
      makeClaim(state, C.cleanOtherGroup, D.southClinic, '02/03/2025', [
        {
          id: '11002',
          code: '80053',
          description: 'Comprehensive metabolic panel',
          fee: 6500,
          insurancePaid: 3000,
          contractual: 1000,
          patientPaid: 0,
        },
      ]),
      // two charges: 60.00 patient part in total
      makeClaim(
        state,
        C.paymentPlan,
        D.northAnnex,
        '11/20/2024',
        [
          { id: '11003', code: '71046', description: 'Chest x-ray, 2 views', fee: 12000, insurancePaid: 7000, contractual: 1000 },
          {
            id: '11004',
            code: '94010',
            description: 'Spirometry',
            fee: 5000,
            insurancePaid: 2000,
            contractual: 0,
            patientPaid: 1000,
          },
        ],
        { paymentPlan: true },
      ),
      makeClaim(
        state,
        C.contract,
        D.northPediatrics,
        '10/02/2024',
        [
          {
            id: '11005',
            code: '90471',
            description: 'Immunization administration',
            fee: 4000,
            insurancePaid: 1000,
            contractual: 0,
          },
        ],
        { contractId: '301' },
      ),
      makeClaim(state, C.paidOff, D.northMain, '06/30/2024', [
        {
          id: '11006',
          code: '99212',
          description: 'Office visit, brief',
          fee: 9000,
          insurancePaid: 6000,
          contractual: 1000,
          patientPaid: 1900,
          patientAdjustment: 100,
        },
      ]),
    ],
  });
  enterprise.patients.set(P.withGuarantor, {
    patientid: P.withGuarantor,
    firstname: 'Blake',
    lastname: 'Testchild',
    dob: '09/01/2015',
    email: '',
    departmentid: D.southClinic,
    guarantorfirstname: 'Casey',
    guarantorlastname: 'Testparent',
    guarantorrelationshiptopatient: 2,
    unapplied: new Map(),
    claims: [
      // patient part 80.00, 4.50 already paid → 75.50; plus a zero-fee charge on the same claim
      makeClaim(state, C.dependentInGroup, D.southUrgent, '03/08/2025', [
        {
          id: '12001',
          code: '99283',
          description: 'Emergency dept visit',
          fee: 20000,
          insurancePaid: 10000,
          contractual: 2000,
          patientPaid: 450,
        },
        { id: '12002', code: '12001', description: 'Simple repair of wound', fee: 0 },
      ]),
      makeClaim(state, C.dependentOtherGroup, D.northMain, '12/12/2024', [
        {
          id: '12003',
          code: '99392',
          description: 'Preventive visit, age 1-4',
          fee: 8000,
          insurancePaid: 5000,
          contractual: 1000,
        },
      ]),
    ],
  });
  enterprise.patients.set(P.noClaims, {
    patientid: P.noClaims,
    firstname: 'Emery',
    lastname: 'Nobalance',
    dob: '07/04/1990',
    email: 'emery.nobalance@example.test',
    departmentid: D.northMain,
    guarantorfirstname: 'Emery',
    guarantorlastname: 'Nobalance',
    guarantorrelationshiptopatient: 1,
    unapplied: new Map(),
    claims: [],
  });
  const A = ATHENA_SEED_APPOINTMENTS;
  enterprise.appointments.set(A.selfCopay, {
    appointmentid: A.selfCopay,
    patientid: P.selfGuarantor,
    departmentid: D.northAnnex,
    date: '05/20/2025',
    copay: 3000,
    insurancecopay: 3000,
    collectedforappointment: 0,
    collectedforother: 0,
  });
  enterprise.appointments.set(A.dependentCopayCollected, {
    appointmentid: A.dependentCopayCollected,
    patientid: P.withGuarantor,
    departmentid: D.southClinic,
    date: '05/21/2025',
    copay: 1500,
    insurancecopay: 1500,
    collectedforappointment: 1500,
    collectedforother: 500,
  });
  state.practices.set(enterprise.practiceid, enterprise);

  // --- Non-enterprise practice ----------------------------------------------------------------
  const single: SimPractice = {
    practiceid: ATHENA_SEED_PRACTICE_SINGLE,
    name: 'Lakeside Family Practice (sandbox)',
    departments: [
      department(D.singleMain, 'Lakeside Main', '1', 'Lakeside Family Practice'),
      department(D.singleSatellite, 'Lakeside Satellite', '1', 'Lakeside Family Practice'),
    ],
    patients: new Map(),
    appointments: new Map(),
    receipts: [],
  };
  single.patients.set(P.singleSelf, {
    patientid: P.singleSelf,
    firstname: 'Drew',
    lastname: 'Samplepatient',
    dob: '12/31/1972',
    email: 'drew.sample@example.test',
    departmentid: D.singleSatellite,
    guarantorfirstname: 'Drew',
    guarantorlastname: 'Samplepatient',
    guarantorrelationshiptopatient: 1,
    unapplied: new Map(),
    claims: [
      makeClaim(state, C.singleCleanA, D.singleMain, '02/14/2025', [
        {
          id: '13001',
          code: '99214',
          description: 'Office visit, moderate',
          fee: 18000,
          insurancePaid: 11000,
          contractual: 2000,
        },
      ]),
      makeClaim(state, C.singleCleanB, D.singleSatellite, '03/01/2025', [
        { id: '13002', code: '36415', description: 'Venipuncture', fee: 2500, insurancePaid: 1000, contractual: 266 },
      ]),
      makeClaim(
        state,
        C.singlePaymentPlan,
        D.singleSatellite,
        '09/09/2024',
        [{ id: '13003', code: '93000', description: 'Electrocardiogram', fee: 9000, insurancePaid: 4500 }],
        {
          paymentPlan: true,
        },
      ),
    ],
  });
  single.patients.set(P.singleWithGuarantor, {
    patientid: P.singleWithGuarantor,
    firstname: 'Jordan',
    lastname: 'Samplespouse',
    dob: '01/05/1975',
    email: 'jordan.sample@example.test',
    departmentid: D.singleMain,
    guarantorfirstname: 'Drew',
    guarantorlastname: 'Samplepatient',
    guarantorrelationshiptopatient: 2,
    unapplied: new Map(),
    claims: [
      makeClaim(state, C.singleDependent, D.singleMain, '04/02/2025', [
        {
          id: '13101',
          code: '99213',
          description: 'Office visit, established patient',
          fee: 11000,
          insurancePaid: 8000,
          contractual: 1200,
        },
      ]),
    ],
  });
  single.appointments.set(A.singleCopay, {
    appointmentid: A.singleCopay,
    patientid: P.singleSelf,
    departmentid: D.singleSatellite,
    date: '06/02/2025',
    copay: 2000,
    insurancecopay: 2000,
    collectedforappointment: 0,
    collectedforother: 0,
  });
  state.practices.set(single.practiceid, single);
  return state;
}

// ---------------------------------------------------------------------------------------------
// Derived figures (shared by the server and the tests)
// ---------------------------------------------------------------------------------------------

/** What the patient still owes on a charge: the plain sum of its patient-bucket (`p`) transactions. */
export function chargePatientRemaining(charge: SimCharge): Cents {
  return charge.transactions.filter((t) => t.transfertype === 'p').reduce((sum, t) => sum + t.amount, 0);
}

/** A claim's `patientbalance`. */
export function claimPatientBalance(claim: SimClaim): Cents {
  return claim.charges.reduce((sum, c) => sum + chargePatientRemaining(c), 0);
}

/** A claim's billed `amount`. */
export function claimBilled(claim: SimClaim): Cents {
  return claim.charges.reduce((sum, c) => sum + c.amount, 0);
}

export function isCleanClaim(claim: SimClaim): boolean {
  return !claim.paymentPlan && claim.contractId === null;
}
