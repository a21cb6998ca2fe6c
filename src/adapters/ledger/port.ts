/**
 * The port every ledger adapter implements (NexHealth, athenahealth, FHIR, …).
 *
 * Nothing above `src/adapters/` knows a vendor's field names: an adapter fetches the vendor's wire
 * format, parses it with zod at the boundary and hands back the ledger's own records
 * (`src/ledger/records.ts`, re-exported here for adapters). Money is always integer cents, signed
 * by its effect on the patient's balance.
 *
 * Batch methods take a list of keys and return a list of the same length and order, where each item
 * is either the answer for that key or an `Error` for that key alone. That is the shape DataLoader
 * wants, and it is what makes one failing upstream call a partial result rather than a failed request.
 *
 * Usage (through a per-request loader, never directly from a resolver):
 *
 *     const [charges] = await adapter.chargesByPatient(['42']);
 *     if (charges instanceof Error) throw charges;
 */
import type {
  AdjustmentRecord,
  AdjustmentTypeRecord,
  Cents,
  ChargeRecord,
  ClaimRecord,
  CopayRecord,
  CoverageRecord,
  FamilyRecord,
  GuarantorBalanceRecord,
  InsuranceBalanceRecord,
  LedgerRecords,
  LedgerWrite,
  PatientRecord,
  PaymentRecord,
  PaymentTypeRecord,
  ProcedureRecord,
  ProviderRecord,
} from '../../ledger/records';
import { DomainError } from '../../errors';
import { scrubSecrets } from '../../logging/scrub-secrets';

export type * from '../../ledger/records';

/** The systems the gateway can speak to; the GraphQL enum `PracticeSystem` mirrors it. */
export type PracticeSystem = 'NEXHEALTH' | 'ATHENAHEALTH' | 'FHIR';

/** Items of a batch answer: the value for that key, or the error for that key alone. */
export type BatchResult<T> = Array<T | Error>;

/**
 * What a system can and cannot do. Vendor quirks are declared here as data, so the layers above
 * decide with a capability, never with `if (system === …)`.
 */
export interface Capabilities {
  /** The system reports write-off estimates (Dentrix and Dentrix Enterprise do not: `null`, not 0). */
  writeOffEstimates: boolean;
  /** The system has a guarantor A/R record with 30/60/90 aging. */
  guarantorAging: boolean;
  /** The system reports insurance A/R records with aging. */
  insuranceAging: boolean;
  /** Balances are known per claim, with a clean/collectible flag (athenahealth). */
  claimLevelBalances: boolean;
  /** Writes land later; their status arrives by webhook or polling. */
  asyncInsertion: boolean;
  /** The gateway can post payment / adjustment transactions into the ledger. */
  ledgerWrites: boolean;
  /** The system collects card payments itself (`collectPayment`). */
  cardCollection: boolean;
  /** Appointment copays can be read (`Patient.copay`). */
  copays: boolean;
  /** A refund (a positive payment) is recorded as an adjustment (NexHealth on Dentrix). */
  refundsBecomeAdjustments: boolean;
  /** A charge split on an adjustment lands on the charge's provider (NexHealth on Dentrix). */
  chargeSplitsBecomeProviderSplits: boolean;
  /** The gateway can register a webhook endpoint upstream for insertion status. */
  webhooks: boolean;
  /** The system can list a practice's patients (`Practice.patients`). */
  patientListing: boolean;
  /**
   * The ledger takes payments collected elsewhere (a processor's checkout, `createCheckout`): the
   * gateway posts them as payments keyed by the processor's payment id. When false, the adapter's
   * `unsupported.externalPayments` says why (athenahealth collects through its own `collectPayment`).
   */
  externalPayments: boolean;
  /**
   * A write lands on one visit: its charge splits must all be charges of one visit
   * (`ChargeRecord.visitSourceId`) and provider splits are refused, before anything is stored
   * (Oracle Health: a FinancialTransaction has exactly one allocation).
   */
  writesOneVisit: boolean;
  /**
   * The ledger takes a refund (a payment with `refund: true`, which raises the balance). When false,
   * the adapter's `unsupported.refunds` says why and a refund is refused before it is stored
   * (Oracle Health: a FinancialTransaction payment must lower the balance).
   */
  refunds: boolean;
  /** The patient's insurance coverages can be read (`coveragesByPatient`, `Patient.coverages`). */
  coverage: boolean;
  /**
   * The system lists a location's guarantor A/R records and payments in pages, filtered by
   * `updated_since` (`listGuarantorBalances`, `listPayments`): practice-wide reports
   * (`Practice.receivables`, `agingSummary`, `payments`, `collections`) cost pages, not patients.
   */
  practiceReports: boolean;
}

/** Why a capability is false, in words for the `NOT_SUPPORTED` message (never patient data). */
export type UnsupportedReasons = Partial<Record<keyof Capabilities, string>>;

/**
 * One GraphQL operation's scope, passed to every read so an adapter can share an upstream response
 * between methods within that operation (athenahealth returns charges, claims and payments in one
 * patient call). Never shared across operations, so nothing stale survives a request.
 */
export interface RequestScope {
  /** Keyed by the adapter's own request key (e.g. method + URL). */
  memo: Map<string, Promise<unknown>>;
}

/** A fresh scope; the GraphQL context makes one per operation. */
export function createRequestScope(): RequestScope {
  return { memo: new Map() };
}

export interface Page<T> {
  items: T[];
  endCursor: string | null;
  hasNextPage: boolean;
}

/** One page request of a location-wide list (a scan). */
export interface ScanArgs {
  first: number;
  after: string | null;
  /**
   * Only rows changed at or after this ISO 8601 instant (a snapshot's refresh); absent or `null`: every
   * row of the location (a full scan).
   */
  updatedSince?: string | null;
}

/**
 * A page of a scan whose rows can disappear (a deleted payment): a refresh (`updatedSince` set)
 * also names the rows removed since, so a snapshot can drop them. Empty on a full scan.
 */
export interface ScanPage<T> extends Page<T> {
  removedIds: string[];
}

/**
 * A location-wide list walked page by page as an async iterable: one page in memory at a time (plus
 * the next one, requested while the caller works on this one), so a 20,000-patient location never
 * sits in memory whole. The list methods stay plain promises per page, so the decorators that wrap
 * every upstream method (tracing, circuit breaker: `WHOLE_METHODS`) see each page call.
 *
 *     for await (const page of scanPages((a) => adapter.listGuarantorBalances!(a), { perPage: 1000 })) fold(page.items);
 */
export async function* scanPages<P extends Page<unknown>>(
  list: (args: ScanArgs) => Promise<P>,
  options: { perPage: number; updatedSince?: string | null },
): AsyncGenerator<P, void, undefined> {
  const request = (after: string | null) => list({ first: options.perPage, after, updatedSince: options.updatedSince ?? null });
  const seen = new Set<string>();
  let pending: Promise<P> | null = request(null);
  while (pending) {
    const page: P = await pending;
    pending = null;
    if (page.hasNextPage) {
      if (page.endCursor === null || seen.has(page.endCursor)) {
        throw new UpstreamError(
          `a location-wide list answered has_next_page without a new cursor (got ${page.endCursor === null ? 'none' : 'a repeated one'})`,
          'UPSTREAM_UNAVAILABLE',
        );
      }
      seen.add(page.endCursor);
      pending = request(page.endCursor);
      // Marked handled until its turn: a caller that stops early must not leave an unhandled rejection.
      pending.catch(() => undefined);
    }
    yield page;
  }
}

// ---------------------------------------------------------------------------------------------
// Writes
// ---------------------------------------------------------------------------------------------

/** A ledger write as the gateway sends it: the prepared write, its transaction id and its date. */
export interface OutgoingLedgerWrite extends LedgerWrite {
  transactionId: string;
  /** ISO 8601 date-time the transaction is dated. */
  occurredAt: string;
}

/** The upstream's answer to a write. */
export type WriteOutcome =
  | { state: 'SUBMITTED' }
  | { state: 'COMPLETED'; records: LedgerRecords; receiptId?: string | null }
  | { state: 'FAILED'; reason: string };

export interface InsertionEvent {
  transactionId: string;
  outcome: 'COMPLETED' | 'FAILED';
  records: LedgerRecords;
  reason: string | null;
  /** A key identifying this delivery's content, for idempotent receipt. */
  eventKey: string;
}

export interface WebhookRegistration {
  endpointId: string;
  secret: string;
}

export interface CardInput {
  number: string;
  expMonth: number;
  expYear: number;
  cvv: string;
  nameOnCard: string;
  billingAddress: string;
  billingZip: string;
}

export interface CardCollection {
  transactionId: string;
  patientSourceId: string;
  departmentId: string;
  card: CardInput;
  copayAmount: Cents | null;
  appointmentId: string | null;
  claimPayments: Array<{ claimId: string; amount: Cents }>;
  otherAmount: Cents | null;
  allowDuplicate: boolean;
}

// ---------------------------------------------------------------------------------------------
// The port
// ---------------------------------------------------------------------------------------------

export interface LedgerAdapter {
  readonly system: PracticeSystem;
  readonly capabilities: Capabilities;
  /** Why some capabilities are false, for the `NOT_SUPPORTED` message; absent when none needs saying. */
  readonly unsupported?: UnsupportedReasons;

  /** Authenticate / try the connection once. Rejects with an UpstreamError when it cannot. */
  connect(): Promise<void>;

  /** Patients by source id; `null` for one that does not exist. */
  patients(ids: readonly string[], scope?: RequestScope): Promise<BatchResult<PatientRecord | null>>;
  /** A page of the practice's patients (`updatedSince` where `capabilities.practiceReports`). */
  listPatients(args: ScanArgs, scope?: RequestScope): Promise<Page<PatientRecord>>;
  /** Guarantors with their dependents; `null` for an unknown id. */
  families(guarantorIds: readonly string[], scope?: RequestScope): Promise<BatchResult<FamilyRecord | null>>;

  chargesByPatient(patientIds: readonly string[], scope?: RequestScope): Promise<BatchResult<ChargeRecord[]>>;
  paymentsByPatient(patientIds: readonly string[], scope?: RequestScope): Promise<BatchResult<PaymentRecord[]>>;
  adjustmentsByPatient(patientIds: readonly string[], scope?: RequestScope): Promise<BatchResult<AdjustmentRecord[]>>;
  claimsByPatient(patientIds: readonly string[], scope?: RequestScope): Promise<BatchResult<ClaimRecord[]>>;

  /**
   * A whole family's rows (the guarantor's own and her dependents'), by guarantor id, in one list
   * call each, for a system whose lists filter by guarantor. Declaring these (all four or none) is
   * the capability: a family's lists can then leave with the family read instead of after it
   * (src/graphql/ledger-prefetch.ts). Each row keeps its `patientSourceId`, which alone says whose
   * ledger it is in; absent methods mean lists come per patient only.
   */
  chargesByGuarantor?(guarantorIds: readonly string[], scope?: RequestScope): Promise<BatchResult<ChargeRecord[]>>;
  paymentsByGuarantor?(guarantorIds: readonly string[], scope?: RequestScope): Promise<BatchResult<PaymentRecord[]>>;
  adjustmentsByGuarantor?(guarantorIds: readonly string[], scope?: RequestScope): Promise<BatchResult<AdjustmentRecord[]>>;
  claimsByGuarantor?(guarantorIds: readonly string[], scope?: RequestScope): Promise<BatchResult<ClaimRecord[]>>;

  /**
   * A page of the practice's guarantor A/R records, where the system reports them practice-wide
   * (NexHealth `GET /guarantor_balances` without `guarantor_id`): a billing cycle's selection reads
   * every guarantor's balance in a few calls instead of one per guarantor; the practice-wide reports
   * scan it too (`updatedSince` for a snapshot's refresh, zero balances included). Absent elsewhere.
   */
  listGuarantorBalances?(args: ScanArgs): Promise<Page<GuarantorBalanceRecord>>;
  /**
   * A page of the location's payments (every patient's, insurance payments included), where
   * `capabilities.practiceReports`: the practice-wide `payments` and `collections` scan it.
   */
  listPayments?(args: ScanArgs): Promise<ScanPage<PaymentRecord>>;
  /** The guarantor A/R record; `null` where there is none (or the capability is missing). */
  guarantorBalances(guarantorIds: readonly string[], scope?: RequestScope): Promise<BatchResult<GuarantorBalanceRecord | null>>;
  insuranceBalancesByGuarantor(
    guarantorIds: readonly string[],
    scope?: RequestScope,
  ): Promise<BatchResult<InsuranceBalanceRecord[]>>;

  providers(ids: readonly string[], scope?: RequestScope): Promise<BatchResult<ProviderRecord | null>>;
  procedures(ids: readonly string[], scope?: RequestScope): Promise<BatchResult<ProcedureRecord | null>>;
  /**
   * The provider or procedure this adapter already knows without reading (fresh in its reference
   * cache, or `null` for a system that has none), answered without a promise; `undefined` when
   * `providers` / `procedures` would have to read it. Each must answer what that method would.
   * Optional: an adapter declares these so the GraphQL layer can complete a row's
   * `provider` and `procedure` synchronously. graphql-js then builds no promise per row (a promise
   * for the field, a `Promise.all` over the row's fields and one over the list): measured, the
   * 3-level bench document went from 404 to 243 promises per request (README, "Benchmark").
   */
  cachedProvider?(id: string): ProviderRecord | null | undefined;
  cachedProcedure?(id: string): ProcedureRecord | null | undefined;

  paymentTypes(): Promise<PaymentTypeRecord[]>;
  adjustmentTypes(): Promise<AdjustmentTypeRecord[]>;

  /** Appointment copays, where `capabilities.copays`. */
  copays?(appointmentIds: readonly string[], scope?: RequestScope): Promise<BatchResult<CopayRecord | null>>;

  /**
   * The patients' insurance coverages, where `capabilities.coverage` (an empty list for a patient
   * with none). Absent where the system has no coverage read.
   */
  coveragesByPatient?(patientIds: readonly string[], scope?: RequestScope): Promise<BatchResult<CoverageRecord[]>>;

  /** Send a ledger write. Never retried blindly: the transaction store decides. */
  submitWrite?(write: OutgoingLedgerWrite): Promise<WriteOutcome>;
  /**
   * Look a transaction up upstream by its id: the resulting rows if it has landed, `null` if the
   * upstream knows nothing of it yet. Used before re-posting after a crash and when polling.
   */
  findTransaction?(kind: 'PAYMENT' | 'ADJUSTMENT', transactionId: string, patientSourceId: string): Promise<LedgerRecords | null>;
  /** Register `targetUrl` for insertion-status deliveries; returns the signing secret. */
  registerWebhooks?(targetUrl: string): Promise<WebhookRegistration>;
  /**
   * Verify and parse a webhook delivery. Throws a WebhookRejected error on a bad signature, a stale
   * timestamp or a malformed body.
   */
  verifyWebhook?(args: {
    headers: Record<string, string | string[] | undefined>;
    rawBody: Buffer;
    secret: string;
    now: Date;
  }): InsertionEvent;
  /** Collect a card payment synchronously (athenahealth). */
  collectPayment?(collection: CardCollection): Promise<WriteOutcome>;

  close(): Promise<void>;
}

/**
 * The port's methods that touch the upstream, by shape, for decorators that wrap them all (circuit
 * breaker, tracing). Batch methods take a list of keys first and answer one item per key; whole
 * methods call the upstream once and answer (or throw) as a whole. `verifyWebhook` (no I/O) and
 * `close` are neither.
 */
export const BATCH_METHODS = [
  'patients',
  'families',
  'chargesByPatient',
  'paymentsByPatient',
  'adjustmentsByPatient',
  'claimsByPatient',
  'chargesByGuarantor',
  'paymentsByGuarantor',
  'adjustmentsByGuarantor',
  'claimsByGuarantor',
  'guarantorBalances',
  'insuranceBalancesByGuarantor',
  'providers',
  'procedures',
  'copays',
  'coveragesByPatient',
] as const satisfies ReadonlyArray<keyof LedgerAdapter>;

export const WHOLE_METHODS = [
  'connect',
  'listPatients',
  'listGuarantorBalances',
  'listPayments',
  'paymentTypes',
  'adjustmentTypes',
  'submitWrite',
  'findTransaction',
  'registerWebhooks',
  'collectPayment',
] as const satisfies ReadonlyArray<keyof LedgerAdapter>;

/**
 * Thrown by adapters for upstream trouble. A `DomainError` with a stable `code`; its message (the
 * vendor's own words, e.g. `NexHealth rejected POST /payments (/payments) with HTTP 400: …`) is for
 * the operator's log and a transaction's `failureReason`, never for a client: `toGraphQLError` and the
 * servers' error formatting answer clients a safe message instead (src/graphql/upstream-errors.ts).
 * Whatever looks like a credential in it is masked here, once, before it can be kept anywhere
 * (src/logging/scrub-secrets.ts): a vendor may echo a request's headers in its error text.
 *
 *     throw new UpstreamError('GET /patients/42 timed out after 10 s', 'UPSTREAM_UNAVAILABLE', null, '/patients/42');
 */
export class UpstreamError extends DomainError {
  constructor(
    message: string,
    readonly code: 'UPSTREAM_UNAVAILABLE' | 'UPSTREAM_REJECTED' | 'NOT_FOUND',
    readonly status: number | null = null,
    readonly endpoint: string | null = null,
    /**
     * What a rejection means where the store must tell cases apart, in the port's words:
     * `TRANSACTION_ID_USED` — the upstream already has a write under this transaction id (an
     * earlier attempt of ours, or someone else's). Adapters map their vendor's wording to it.
     */
    readonly reason: 'TRANSACTION_ID_USED' | null = null,
  ) {
    super(scrubSecrets(message), endpoint ? { endpoint } : {});
    this.name = 'UpstreamError';
  }
}

/**
 * Thrown by `verifyWebhook`; the route answers 401 (signature, timestamp) or 400 (body). Its `code`
 * says the same in the gateway's words: UNAUTHENTICATED for 401, BAD_USER_INPUT for 400.
 */
export class WebhookRejected extends DomainError {
  readonly code: 'UNAUTHENTICATED' | 'BAD_USER_INPUT';

  constructor(
    message: string,
    readonly status: 400 | 401,
  ) {
    super(message);
    this.code = status === 401 ? 'UNAUTHENTICATED' : 'BAD_USER_INPUT';
    this.name = 'WebhookRejected';
  }
}
