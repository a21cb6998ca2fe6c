/**
 * The port every accounting adapter implements (QuickBooks Online): the kind of system that holds
 * the practice's books. Every COMPLETED collection and refund is booked there once, as a durable
 * job, and read back live for the three-way reconciliation processor ⇄ ledger ⇄ books.
 *
 * What the port books. A COLLECTION becomes a `SALE` entry (QuickBooks: a SalesReceipt), a REFUND a
 * `REFUND` entry (a RefundReceipt), each with one line (the practice's configured item), under the
 * **guarantor's** customer, deposited to the practice's configured account. Amounts are integer
 * cents and always positive (a refund's amount is what left the account); dates are calendar
 * dates the flow chose (a collection: the payment's UTC date; a refund: its date in the practice's
 * time zone). Each entry carries the gateway transaction id where the books keep a reference
 * (QuickBooks `PaymentRefNum`), and the processor's payment (and refund) id in its private note.
 *
 * Idempotency. Every write takes an `idempotencyKey` (normally the gateway transaction id) that the
 * store keeps; one booking may create several upstream entities, so the adapter derives one key per
 * entity from it (QuickBooks `requestid` = `<idempotencyKey>:<Entity>`, e.g. `LG:1042:SalesReceipt`,
 * `LG:1042:Customer`; at most 50 characters, so keys stay ≤ 36). A repeated key answers the first
 * success instead of creating again; a refused write stores nothing upstream, so it may be repeated
 * with the same key. An adapter never retries a write itself.
 *
 * Results and errors. A refusal by the books (company inactive, period closed, a reference that no
 * longer exists, a validation error) is an answer, `FAILED` with a `cause` in the port's words, so
 * the booking job can show it and retry on its schedule (hourly for 7 days) without blocking the
 * ledger posting. `UpstreamError` is thrown only when the books could not be asked (`UPSTREAM_UNAVAILABLE`:
 * 5xx, timeouts, network, 429, credentials that a refresh did not fix).
 *
 * Usage (from the booking job):
 *
 *     const customer = await books.ensureCustomer({ guarantorSourceId: '1016', firstName: 'Dana',
 *       lastName: 'Reed', email: null, phone: null, knownCustomerId: null, idempotencyKey: 'LG:1042' });
 *     if (customer.state === 'FAILED') return fail(customer);
 *     const booked = await books.bookEntry({ kind: 'SALE', transactionId: 'LG:1042',
 *       idempotencyKey: 'LG:1042', customerId: customer.customer.id, amount: 12_500, date: '2026-07-30',
 *       itemId: '1', depositAccountId: '35', paymentMethodId: null, description: 'Patient payment',
 *       processor: { name: 'STRIPE', paymentId: 'pi_3…', refundId: null } });
 *
 * Upstream-touching methods are listed in {@link ACCOUNTING_METHODS} for decorators (circuit
 * breaker, tracing, upstream budget); `verifyWebhook` (no I/O) and `close` are not.
 */
import type { BatchResult, Cents, IsoDate } from '../ledger/port';
import type { ProcessorName } from '../processor/port';
import type { AdapterOptions, UpstreamMethods, WebhookDelivery } from '../system';

export type { Cents, IsoDate } from '../ledger/port';

/**
 * How the webhook route answers a delivery this port's `verifyWebhook` refused: adapters throw
 * `WebhookRejected` with 401 for a bad signature and 400 for a malformed body; QuickBooks asks for
 * 401 on a bad signature, which the route answers as is.
 */
export const ACCOUNTING_WEBHOOK_REJECTION = { signature: 401, body: 400 } as const;

// ---------------------------------------------------------------------------------------------
// Capabilities
// ---------------------------------------------------------------------------------------------

/** What an accounting system can do, as data. */
export interface AccountingCapabilities {
  /**
   * Entries changed since a time can be listed (`changesSince`; QuickBooks change data capture) —
   * the catch-up when webhooks were missed, and a daily sweep.
   */
  changeDataCapture: boolean;
  /** How far back `changesSince` may reach, in days (QuickBooks: 30); `null` without `changeDataCapture`. */
  changeDataCaptureDays: number | null;
  /** The books notify changes by webhook (`verifyWebhook`; QuickBooks: one URL per Intuit app). */
  webhooks: boolean;
  /** The gateway registers its webhook URL through the API. QuickBooks: false (the developer portal sets it). */
  webhookRegistration: boolean;
  /**
   * A refund is booked as an entry of its own (`REFUND`; QuickBooks RefundReceipt). When false the
   * flow books no refunds and says so on the booking, rather than sending something else.
   */
  refundReceipts: boolean;
}

// ---------------------------------------------------------------------------------------------
// Records
// ---------------------------------------------------------------------------------------------

/** What the books hold an entry as: `SALE` (money in: a collection) or `REFUND` (money out). */
export type EntryKind = 'SALE' | 'REFUND';

/** An entry's address in the books: ids are unique per kind only, so both are needed. */
export interface EntryRef {
  kind: EntryKind;
  /** The books' id (QuickBooks: a numeric string). The GraphQL `Booking.externalId`. */
  id: string;
}

/** The guarantor the booking is for: the books' customer is the guarantor's (not each patient's). */
export interface CustomerInput {
  /** The guarantor's id in the ledger system; part of the customer's display name, so it is unique and findable. */
  guarantorSourceId: string;
  firstName: string;
  lastName: string;
  /** Stored on the customer where the books keep one; `null` for none. */
  email: string | null;
  /** Stored on the customer where the books keep one; `null` for none. */
  phone: string | null;
  /**
   * The customer id the gateway stored for this guarantor, or `null` the first time. A known id is
   * read (and reactivated if inactive); an unknown or missing one falls back to a search by display
   * name, then a create.
   */
  knownCustomerId: string | null;
  /** The booking's key (normally its transaction id); the create's upstream key is derived from it. */
  idempotencyKey: string;
}

/** A customer in the books. */
export interface CustomerRecord {
  /** The books' id; the gateway stores it per (practice, guarantor). */
  id: string;
  /** As the books show it (QuickBooks: `<First> <Last> (<guarantor sourceId>)`). */
  displayName: string;
  active: boolean;
}

/** One booking: a COMPLETED collection (`SALE`) or refund (`REFUND`). */
export interface EntryBooking {
  kind: EntryKind;
  /** The gateway transaction booked (the COLLECTION or the REFUND); kept on the entry as its reference number. */
  transactionId: string;
  /** Normally `transactionId`; see the header. */
  idempotencyKey: string;
  /** `CustomerRecord.id` of the guarantor. */
  customerId: string;
  /** In cents, positive: what was collected, or what was given back. */
  amount: Cents;
  /** The entry's date (a collection: the payment's UTC date; a refund: its date in the practice's time zone). */
  date: IsoDate;
  /** The practice's configured item for the line (`accounting.itemId`). */
  itemId: string;
  /** The account the money goes to, or leaves from for a refund (`accounting.depositAccountId`). */
  depositAccountId: string;
  /** The payment method to tag the entry with (`accounting.paymentMethodId`); `null` to send none. */
  paymentMethodId: string | null;
  /** The line's description (`Patient payment`); no PHI. */
  description: string;
  /**
   * The processor behind the money, written into the entry's private note for the reconciliation
   * and for people (`LG:1042 STRIPE pi_…`, a refund with its `re_…`); `null` for money that did not
   * go through a processor.
   */
  processor: { name: ProcessorName; paymentId: string; refundId: string | null } | null;
}

/** An entry as the books hold it now (read live: an accountant may have edited or voided it). */
export interface BookedEntryRecord {
  ref: EntryRef;
  /** The books' customer id; `null` when the entry has none. */
  customerId: string | null;
  /** The entry's total in cents, positive; 0 when voided. Compared with the processor and the ledger. */
  amount: Cents;
  /** The entry's date; `null` when it has none. */
  date: IsoDate | null;
  /** The gateway transaction id in its reference number; `null` when absent (an entry the gateway did not make, or one edited away). */
  transactionId: string | null;
  /** Voided in the books: it stays, with amount 0. */
  voided: boolean;
  /** The books' version of the entry (QuickBooks `SyncToken`), which changes with every edit. */
  version: string;
  /** When the books last changed it (ISO 8601); `null` when they do not say. */
  updatedAt: string | null;
}

/**
 * Why the books refused a write, in the port's words:
 * - `COMPANY_INACTIVE`: the company's subscription ended (QuickBooks 6190); retried on the job's schedule.
 * - `ACCESS_REVOKED`: the connecting user lost access (QuickBooks 120); a person must reconnect.
 * - `PERIOD_CLOSED`: the entry's date is in a closed accounting period (6210).
 * - `INVALID_REFERENCE`: a customer, item, account or payment method no longer exists or is inactive (610, 2500).
 * - `VALIDATION`: any other refusal of the content.
 */
export type AccountingRefusalCause = 'COMPANY_INACTIVE' | 'ACCESS_REVOKED' | 'PERIOD_CLOSED' | 'INVALID_REFERENCE' | 'VALIDATION';

/** A write the books refused; nothing was stored upstream. */
export interface AccountingRefusal {
  state: 'FAILED';
  cause: AccountingRefusalCause;
  /** The books' error code as a string (`"6190"`); `null` when none. */
  code: string | null;
  /** The books' message and detail, for `Booking.error` (no PHI). */
  reason: string;
}

/** Entries changed upstream since a time (`changesSince`). */
export interface AccountingChanges {
  /** Entries created or changed, as they stand now (voided ones with amount 0). */
  entries: BookedEntryRecord[];
  /** Entries deleted since. */
  deleted: EntryRef[];
  /** The books' time of this answer (ISO 8601): the next catch-up's `since`. */
  asOf: string;
}

/** What a webhook event is about; `OTHER` for entities the gateway does not book (logged only). */
export type AccountingEntity = EntryKind | 'CUSTOMER' | 'OTHER';

/** What happened to it. */
export type AccountingOperation = 'CREATED' | 'UPDATED' | 'DELETED' | 'MERGED' | 'VOIDED' | 'EMAILED';

/**
 * One verified webhook event. Events carry ids only: the flow re-reads the entity (`entries`) for
 * its content. `UPDATED` and `VOIDED` of an entry the gateway booked mark it for a re-read;
 * `DELETED`/`VOIDED` flag its booking as voided upstream (never re-created automatically);
 * `MERGED` of a customer remaps the guarantor to the surviving id.
 */
export interface AccountingEvent {
  /**
   * The key deliveries are deduped on: the event's id where the payload has one (QuickBooks
   * CloudEvents `id`); otherwise `<companyId>:<entity name>:<id>:<operation>:<lastUpdated>` (legacy payload).
   */
  eventId: string;
  /** The company (QuickBooks realm) it belongs to; the route hands it to the practices whose `companyId` it is, and drops the others. */
  companyId: string;
  entity: AccountingEntity;
  /** The books' id of the entity (for `MERGED`, the surviving one). */
  entityId: string;
  operation: AccountingOperation;
  /** For `MERGED`: the id that was merged away; otherwise `null`. */
  mergedId: string | null;
  /** When it changed upstream (ISO 8601), the truth for ordering (deliveries are unordered); `null` when absent. */
  occurredAt: string | null;
}

/**
 * Where an adapter keeps a refresh token that rotates on use (QuickBooks: every refresh may return a
 * new one, and only the newest stays valid). Backed by the store, so every gateway instance and
 * every restart uses the newest; without it the adapter starts from the config's token each time.
 */
export interface RefreshTokenStore {
  /** The newest token saved for this connection, or `null` (use the config's). */
  load(): Promise<string | null>;
  /**
   * Save a token the upstream just issued, before using the access token that came with it. With
   * `previous` (the token it was refreshed from; `null` when none was stored) the save is a
   * compare-and-set: it happens only while the store still holds `previous` (or nothing), and
   * answers `false` when another refresh saved first; the store then keeps that newer token, and
   * the caller reloads it rather than overwrite it with an older one. Without `previous`, it
   * always saves and answers `true`.
   */
  save(token: string, previous?: string | null): Promise<boolean>;
}

/** What an accounting adapter factory receives besides its connection. */
export interface AccountingAdapterOptions extends AdapterOptions {
  refreshTokens?: RefreshTokenStore;
}

// ---------------------------------------------------------------------------------------------
// The port
// ---------------------------------------------------------------------------------------------

export interface AccountingAdapter {
  /** The system's config word (`quickbooks`); the GraphQL `Booking.system`. */
  readonly system: string;
  /** The company these books are (QuickBooks realm id), for routing webhook events. */
  readonly companyId: string;
  readonly capabilities: AccountingCapabilities;

  /** Authenticate / try the connection once (refreshing tokens). Rejects with an `UpstreamError` when it cannot. */
  connect(): Promise<void>;

  /**
   * The guarantor's customer: the known one (reactivated if inactive), else found by display name
   * (inactive ones included), else created — a name already taken upstream is found again, not
   * duplicated. `created` says whether this call made it.
   */
  ensureCustomer(input: CustomerInput): Promise<{ state: 'OK'; customer: CustomerRecord; created: boolean } | AccountingRefusal>;

  /** Book one collection or refund (a `REFUND` where `capabilities.refundReceipts`). */
  bookEntry(booking: EntryBooking): Promise<{ state: 'BOOKED'; entry: BookedEntryRecord } | AccountingRefusal>;

  /**
   * Entries as the books hold them now, one answer per ref in order: the record, `null` for one that
   * no longer exists (deleted), or an `Error` for that ref alone. For the reconciliation's live read.
   */
  entries(refs: readonly EntryRef[]): Promise<BatchResult<BookedEntryRecord | null>>;

  /** Entries changed since `since` (ISO 8601, at most `capabilities.changeDataCaptureDays` back), where `capabilities.changeDataCapture`. */
  changesSince?(since: string): Promise<AccountingChanges>;

  /**
   * Verify one delivery's signature over its raw bytes (QuickBooks: `intuit-signature`, HMAC with
   * the app's verifier token from the connection; `delivery.secret` is `null`) and parse it into
   * events, of any company: the route keeps those of this adapter's `companyId` (and of other
   * practices on the same app). Accepts both of QuickBooks' payload formats. Throws
   * `WebhookRejected` (401: signature; 400: malformed body). No I/O.
   */
  verifyWebhook?(delivery: WebhookDelivery): AccountingEvent[];

  close(): Promise<void>;
}

/** The methods that touch the upstream, by shape (see `UpstreamMethods`). */
export const ACCOUNTING_METHODS = {
  batch: ['entries'],
  whole: ['connect', 'ensureCustomer', 'bookEntry', 'changesSince'],
} as const satisfies UpstreamMethods<AccountingAdapter>;
