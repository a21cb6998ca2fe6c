import type {
  AgingBuckets,
  ClaimPayoutRecord,
  GuarantorBalanceRecord,
  InsuranceBalanceRecord,
} from '../../../src/adapters/ledger/port';

/** A claim payout with zeros everywhere but what the test sets. */
export function payout(claimSourceId: string, fields: Partial<ClaimPayoutRecord> = {}): ClaimPayoutRecord {
  return {
    claimSourceId,
    billedToInsurance: 0,
    estimatedInsurancePayment: 0,
    insurancePayment: 0,
    writeOff: 0,
    allowedAmount: null,
    ...fields,
  };
}

export function buckets(current: number, days31To60: number, days61To90: number, over90: number): AgingBuckets {
  return { current, days31To60, days61To90, over90 };
}

export function guarantorRecord(fields: Partial<GuarantorBalanceRecord> = {}): GuarantorBalanceRecord {
  return {
    sourceId: 'g-ar-1',
    guarantorSourceId: '100',
    totalBalance: 0,
    guarantorPortion: 0,
    insuranceEstimate: 0,
    writeOffEstimate: null,
    buckets: buckets(0, 0, 0, 0),
    updatedAt: null,
    ...fields,
  };
}

export function insuranceRecord(estimated: AgingBuckets, billed: AgingBuckets = estimated): InsuranceBalanceRecord {
  return { sourceId: 'ins-1', patientSourceId: '101', guarantorSourceId: '100', estimated, billed };
}
