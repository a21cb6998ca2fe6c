/**
 * Asynchronous insertion: an accepted write lands in the EHR `delayMs` later (mode `auto`), or when a
 * test calls `completePending()` (mode `manual`), as one ledger row per split (one row without
 * splits), each carrying the write's transaction_id. `failNext(reason)` makes the next landing fail.
 *
 * Dentrix quirks (location whose `ehr` is `dentrix`):
 * - a refund (positive payment) lands as adjustment rows of the location's refund adjustment type;
 * - a charge split of an adjustment lands on the charge's provider (`provider_id` set, `charge_id` null).
 */
import type { NexStore } from './store';
import type { NexAdjustment, NexPayment } from './types';
import type { AcceptedWrite } from './writes';

export type InsertionMode = 'auto' | 'manual';
export const DEFAULT_INSERTION_DELAY_MS = 1500;

/** What happened to one write, handed to the webhook hub. */
export interface InsertionOutcome {
  write: AcceptedWrite;
  state: 'complete' | 'failed';
  payments: NexPayment[];
  adjustments: NexAdjustment[];
  reason: string | null;
  at: string;
}

export class InsertionEngine {
  private readonly queue: AcceptedWrite[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly running = new Set<Promise<void>>();
  private readonly failures: string[] = [];
  readonly outcomes: InsertionOutcome[] = [];

  constructor(
    private readonly store: NexStore,
    private readonly options: { mode: InsertionMode; delayMs: number; onOutcome: (outcome: InsertionOutcome) => Promise<void> },
  ) {}

  /** Writes accepted and not landed yet. */
  get pending(): ReadonlyArray<AcceptedWrite> {
    return [...this.queue];
  }

  accept(write: AcceptedWrite): void {
    this.store.usedTransactionIds.add(write.transactionId);
    this.queue.push(write);
    if (this.options.mode === 'auto') {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        const index = this.queue.indexOf(write);
        if (index >= 0) this.track(this.land(this.queue.splice(index, 1)[0]!));
      }, this.options.delayMs);
      this.timers.add(timer);
    }
  }

  /** The next landing fails with `reason` (stackable: one reason per landing). */
  failNext(reason: string): void {
    this.failures.push(reason);
  }

  /** Land every pending write now, in order, and wait for their first webhook attempts. */
  async completePending(): Promise<void> {
    while (this.queue.length) await this.land(this.queue.shift()!);
    await this.idle();
  }

  /** Wait until no landing is in progress (auto mode timers still pending are not awaited). */
  async idle(): Promise<void> {
    while (this.running.size) await Promise.allSettled([...this.running]);
  }

  close(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  private track(promise: Promise<void>): void {
    this.running.add(promise);
    void promise.finally(() => this.running.delete(promise));
  }

  private async land(write: AcceptedWrite): Promise<void> {
    const at = new Date().toISOString();
    const reason = this.failures.shift();
    let outcome: InsertionOutcome;
    if (reason !== undefined) {
      outcome = { write, state: 'failed', payments: [], adjustments: [], reason, at };
    } else {
      const { payments, adjustments } = this.rowsFor(write, at);
      this.store.land(payments, adjustments, at);
      outcome = { write, state: 'complete', payments, adjustments, reason: null, at };
    }
    this.outcomes.push(outcome);
    await this.options.onOutcome(outcome);
  }

  private rowsFor(write: AcceptedWrite, at: string): { payments: NexPayment[]; adjustments: NexAdjustment[] } {
    const { store } = this;
    const dentrix = store.locations.get(write.locationId)?.ehr === 'dentrix';
    const refundAsAdjustment = write.kind === 'payment' && dentrix && write.amount > 0;
    const parts: Array<{ providerId: number | null; chargeId: number | null; amount: number }> = [];
    if (write.chargeSplits) {
      for (const split of write.chargeSplits) {
        const charge = store.charges.get(split.id)!;
        const onProvider = dentrix && (write.kind === 'adjustment' || refundAsAdjustment);
        parts.push({ providerId: charge.provider_id, chargeId: onProvider ? null : charge.id, amount: split.amount });
      }
    } else if (write.providerSplits) {
      for (const split of write.providerSplits) parts.push({ providerId: split.id, chargeId: null, amount: split.amount });
    } else {
      parts.push({ providerId: null, chargeId: null, amount: write.amount });
    }

    if (write.kind === 'payment' && !refundAsAdjustment) {
      return {
        adjustments: [],
        payments: parts.map((part) => ({
          id: store.newPaymentId(),
          location_id: write.locationId,
          patient_id: write.patientId,
          provider_id: part.providerId,
          charge_id: part.chargeId,
          claim_id: null,
          insurance_plan_id: null,
          payment_type_id: write.typeId,
          payment_amount: part.amount,
          paid_at: write.occurredAt,
          transaction_id: write.transactionId,
          description: write.notes,
          deleted_at: null,
          updated_at: at,
        })),
      };
    }
    const typeId = refundAsAdjustment
      ? (store.seed.dentrixRefundAdjustmentTypeId[write.locationId] ?? write.typeId)
      : write.typeId;
    return {
      payments: [],
      adjustments: parts.map((part) => ({
        id: store.newAdjustmentId(),
        location_id: write.locationId,
        patient_id: write.patientId,
        provider_id: part.providerId,
        charge_id: part.chargeId,
        claim_id: null,
        adjustment_type_id: typeId,
        adjustment_amount: part.amount,
        adjusted_at: write.occurredAt,
        transaction_id: write.transactionId,
        description: write.notes,
        deleted_at: null,
        updated_at: at,
      })),
    };
  }
}
