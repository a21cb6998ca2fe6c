/**
 * Test doubles for the transaction tests: an in-memory upstream ledger adapter that counts every call,
 * a controllable clock and a log recorder.
 *
 *     const upstream = new FakeLedgerAdapter();
 *     upstream.script.push('unavailable');       // the next submitWrite throws UPSTREAM_UNAVAILABLE
 *     upstream.land('LG:1000');                   // the accepted write becomes ledger rows
 *     expect(upstream.accepted.size).toBe(1);     // distinct writes the upstream took
 */
import {
  UpstreamError,
  type Capabilities,
  type CardCollection,
  type LedgerAdapter,
  type LedgerRecords,
  type OutgoingLedgerWrite,
  type WriteOutcome,
} from '../../src/adapters/ledger/port';

export type SubmitBehaviour = 'accept' | 'complete' | 'unavailable' | 'reject' | 'fail' | 'crash-after-accept';

// Cast: other capabilities added to the port later do not matter to these tests.
const capabilities = {
  writeOffEstimates: true,
  guarantorAging: true,
  insuranceAging: true,
  claimLevelBalances: false,
  asyncInsertion: true,
  ledgerWrites: true,
  cardCollection: true,
  copays: false,
  refundsBecomeAdjustments: false,
  chargeSplitsBecomeProviderSplits: false,
  webhooks: true,
} as Capabilities;

export function recordsFor(
  write: Pick<OutgoingLedgerWrite, 'kind' | 'transactionId' | 'patientSourceId' | 'amount'>,
): LedgerRecords {
  if (write.kind === 'PAYMENT') {
    return {
      payments: [
        {
          sourceId: `p-${write.transactionId}`,
          patientSourceId: write.patientSourceId,
          providerSourceId: null,
          chargeSourceId: null,
          claimSourceId: null,
          paymentTypeSourceId: '7',
          amount: write.amount,
          paidAt: null,
          transactionId: write.transactionId,
          fromInsurance: false,
        },
      ],
      adjustments: [],
    };
  }
  return {
    payments: [],
    adjustments: [
      {
        sourceId: `a-${write.transactionId}`,
        patientSourceId: write.patientSourceId,
        providerSourceId: null,
        chargeSourceId: null,
        claimSourceId: null,
        adjustmentTypeSourceId: '3',
        typeName: 'Courtesy',
        amount: write.amount,
        adjustedAt: null,
        transactionId: write.transactionId,
        description: null,
      },
    ],
  };
}

/** Thrown by the 'crash-after-accept' behaviour's hook to stand for a dying process. */
export class SimulatedCrash extends Error {
  constructor() {
    super('simulated crash');
  }
}

export class FakeLedgerAdapter implements LedgerAdapter {
  readonly system = 'NEXHEALTH' as const;
  readonly capabilities = capabilities;

  /** Behaviours for the next submitWrite calls (default: accept, i.e. SUBMITTED). */
  script: SubmitBehaviour[] = [];
  submitCalls = 0;
  findCalls = 0;
  collectCalls = 0;
  /** Writes the upstream took, by transaction id (a second post of one id is refused). */
  readonly accepted = new Map<string, OutgoingLedgerWrite>();
  /** Writes that have landed as ledger rows. */
  readonly landed = new Map<string, LedgerRecords>();
  /** Make findTransaction throw while set. */
  findFails = false;
  /** Every card collection as the upstream received it (the only place a card may go). */
  readonly collections: CardCollection[] = [];
  /** Make collectPayment throw this while set. */
  collectError: Error | null = null;

  async connect(): Promise<void> {}
  async patients(ids: readonly string[]) {
    return ids.map(() => null);
  }
  async listPatients() {
    return { items: [], endCursor: null, hasNextPage: false };
  }
  async families(ids: readonly string[]) {
    return ids.map(() => null);
  }
  async chargesByPatient(ids: readonly string[]) {
    return ids.map(() => []);
  }
  async paymentsByPatient(ids: readonly string[]) {
    return ids.map(() => []);
  }
  async adjustmentsByPatient(ids: readonly string[]) {
    return ids.map(() => []);
  }
  async claimsByPatient(ids: readonly string[]) {
    return ids.map(() => []);
  }
  async guarantorBalances(ids: readonly string[]) {
    return ids.map(() => null);
  }
  async insuranceBalancesByGuarantor(ids: readonly string[]) {
    return ids.map(() => []);
  }
  async providers(ids: readonly string[]) {
    return ids.map(() => null);
  }
  async procedures(ids: readonly string[]) {
    return ids.map(() => null);
  }
  async paymentTypes() {
    return [];
  }
  async adjustmentTypes() {
    return [];
  }
  async close(): Promise<void> {}

  async submitWrite(write: OutgoingLedgerWrite): Promise<WriteOutcome> {
    this.submitCalls += 1;
    const behaviour = this.script.shift() ?? 'accept';
    if (behaviour === 'unavailable') throw new UpstreamError('connect ECONNREFUSED', 'UPSTREAM_UNAVAILABLE', null, '/payments');
    if (this.accepted.has(write.transactionId)) {
      throw new UpstreamError(
        'transaction_id has already been used',
        'UPSTREAM_REJECTED',
        400,
        '/payments',
        'TRANSACTION_ID_USED',
      );
    }
    if (behaviour === 'reject') {
      throw new UpstreamError('Patient with ID 42 not found in location 456', 'UPSTREAM_REJECTED', 400, '/payments');
    }
    if (behaviour === 'fail') return { state: 'FAILED', reason: 'payment type inactive' };
    this.accepted.set(write.transactionId, { ...write });
    if (behaviour === 'complete') {
      const records = recordsFor(write);
      this.landed.set(write.transactionId, records);
      return { state: 'COMPLETED', records, receiptId: 'r-1' };
    }
    return { state: 'SUBMITTED' };
  }

  /** The upstream finishes inserting an accepted write. */
  land(transactionId: string): LedgerRecords {
    const write = this.accepted.get(transactionId);
    if (!write) throw new Error(`nothing accepted for ${transactionId}`);
    const records = recordsFor(write);
    this.landed.set(transactionId, records);
    return records;
  }

  async findTransaction(_kind: 'PAYMENT' | 'ADJUSTMENT', transactionId: string): Promise<LedgerRecords | null> {
    this.findCalls += 1;
    if (this.findFails) throw new UpstreamError('timeout', 'UPSTREAM_UNAVAILABLE');
    return this.landed.get(transactionId) ?? null;
  }

  async collectPayment(collection: CardCollection): Promise<WriteOutcome> {
    this.collectCalls += 1;
    this.collections.push(structuredClone(collection));
    if (this.collectError) throw this.collectError;
    if (collection.card.number === '4000000000000002') return { state: 'FAILED', reason: 'Card declined' };
    const amount = -(
      (collection.copayAmount ?? 0) +
      (collection.otherAmount ?? 0) +
      collection.claimPayments.reduce((sum, p) => sum + p.amount, 0)
    );
    const records = recordsFor({
      kind: 'PAYMENT',
      transactionId: collection.transactionId,
      patientSourceId: collection.patientSourceId,
      amount,
    });
    this.landed.set(collection.transactionId, records);
    return { state: 'COMPLETED', records, receiptId: '9001' };
  }
}

/** A clock that only moves when told to. */
export function fakeClock(start = '2030-01-01T00:00:00.000Z') {
  let t = Date.parse(start);
  return {
    now: () => new Date(t),
    advance(ms: number) {
      t += ms;
    },
  };
}

/** A logger that keeps every line (to check that no card data is ever logged). */
export function recordingLogger() {
  const lines: string[] = [];
  const put = (level: string) => (message: string, context?: Record<string, unknown>) => {
    lines.push(`${level} ${message} ${JSON.stringify(context ?? {})}`);
  };
  return { lines, logger: { info: put('info'), warn: put('warn'), error: put('error') } };
}
