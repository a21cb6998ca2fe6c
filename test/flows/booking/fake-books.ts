/**
 * An in-memory accounting adapter for the booking flow's tests, written against the port
 * (`src/adapters/accounting/port.ts`) as QuickBooks behaves on the points the flow relies on: one
 * customer per display name, a repeated idempotency key answers the first entry, a refusal stores
 * nothing, webhooks signed `base64(HMAC-SHA256(verifier, body))` in `intuit-signature`.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type {
  AccountingAdapter,
  AccountingEvent,
  AccountingRefusal,
  BookedEntryRecord,
  CustomerRecord,
  EntryBooking,
  EntryRef,
} from '../../../src/adapters/accounting/port';
import { WebhookRejected } from '../../../src/adapters/ledger/port';
import type { WebhookDelivery } from '../../../src/adapters/system';

export const VERIFIER = 'fake-verifier-token';

export function sign(body: string, token = VERIFIER): string {
  return createHmac('sha256', token).update(body).digest('base64');
}

export class FakeBooks implements AccountingAdapter {
  readonly system = 'quickbooks';
  readonly capabilities = {
    changeDataCapture: true,
    changeDataCaptureDays: 30,
    webhooks: true,
    webhookRegistration: false,
    refundReceipts: true,
  };
  readonly customers = new Map<string, CustomerRecord>();
  readonly bookings = new Map<string, { booking: EntryBooking; entry: BookedEntryRecord }>();
  /** Every upstream-touching call, in order (`ensureCustomer LG:1000`, `bookEntry LG:1000:SALE`). */
  readonly calls: string[] = [];
  /** When set, every write is refused with it (as QuickBooks answers 6190 for an inactive realm). */
  refuse: AccountingRefusal | null = null;
  private nextId = 100;

  constructor(readonly companyId = '9130000000000001') {}

  async connect(): Promise<void> {}

  async ensureCustomer(input: Parameters<AccountingAdapter['ensureCustomer']>[0]) {
    this.calls.push(`ensureCustomer ${input.idempotencyKey}`);
    if (this.refuse) return this.refuse;
    const displayName = `${input.firstName} ${input.lastName} (${input.guarantorSourceId})`;
    const known = input.knownCustomerId ? this.customers.get(input.knownCustomerId) : undefined;
    const found = known ?? [...this.customers.values()].find((c) => c.displayName === displayName);
    if (found) return { state: 'OK' as const, customer: found, created: false };
    const customer = { id: String(this.nextId++), displayName, active: true };
    this.customers.set(customer.id, customer);
    return { state: 'OK' as const, customer, created: true };
  }

  async bookEntry(booking: EntryBooking) {
    const key = `${booking.idempotencyKey}:${booking.kind}`;
    this.calls.push(`bookEntry ${key}`);
    if (this.refuse) return this.refuse;
    const first = this.bookings.get(key);
    if (first) return { state: 'BOOKED' as const, entry: first.entry };
    const entry: BookedEntryRecord = {
      ref: { kind: booking.kind, id: String(this.nextId++) },
      customerId: booking.customerId,
      amount: booking.amount,
      date: booking.date,
      transactionId: booking.transactionId,
      voided: false,
      version: '0',
      updatedAt: new Date().toISOString(),
    };
    this.bookings.set(key, { booking, entry });
    return { state: 'BOOKED' as const, entry };
  }

  /** The entry as the books hold it (a test edits or voids it here, as an accountant would). */
  entry(ref: EntryRef): BookedEntryRecord | undefined {
    return [...this.bookings.values()].find((b) => b.entry.ref.kind === ref.kind && b.entry.ref.id === ref.id)?.entry;
  }

  async entries(refs: readonly EntryRef[]) {
    this.calls.push(`entries ${refs.map((r) => r.id).join(',')}`);
    return refs.map((ref) => this.entry(ref) ?? null);
  }

  async changesSince(since: string) {
    this.calls.push('changesSince');
    const entries = [...this.bookings.values()].map((b) => b.entry).filter((e) => (e.updatedAt ?? '') > since);
    return { entries, deleted: [], asOf: new Date().toISOString() };
  }

  verifyWebhook(delivery: WebhookDelivery): AccountingEvent[] {
    const given = Buffer.from(String(delivery.headers['intuit-signature'] ?? ''), 'base64');
    const expected = Buffer.from(sign(delivery.rawBody.toString('utf8')), 'base64');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      throw new WebhookRejected('intuit-signature does not match the body', 401);
    }
    try {
      return JSON.parse(delivery.rawBody.toString('utf8')) as AccountingEvent[];
    } catch {
      throw new WebhookRejected('expected a JSON array of events', 400);
    }
  }

  async close(): Promise<void> {}
}
