/**
 * The NexHealth adapter: the port's reads, writes and webhooks over NexHealth's Synchronizer API
 * (v20240412). See `createNexhealthAdapter`.
 */
import type {
  AdjustmentRecord,
  AdjustmentTypeRecord,
  BatchResult,
  Capabilities,
  ChargeRecord,
  ClaimRecord,
  FamilyRecord,
  InsertionEvent,
  GuarantorBalanceRecord,
  InsuranceBalanceRecord,
  LedgerAdapter,
  LedgerRecords,
  OutgoingLedgerWrite,
  Page,
  PatientRecord,
  PaymentRecord,
  PaymentTypeRecord,
  ProcedureRecord,
  ProviderRecord,
  ScanArgs,
  ScanPage,
  Split,
  WebhookRegistration,
  WriteOutcome,
} from '../port';
import { UpstreamError } from '../port';
import { formatCents } from '../../../ledger/money';
import { TtlCache } from './cache';
import { nexhealthCapabilities } from './capabilities';
import { NexhealthClient, type CallSpec } from './client';
import {
  mapAdjustment,
  mapAdjustmentType,
  mapGuarantorBalance,
  mapInsuranceBalance,
  mapPatient,
  mapPayment,
  mapPaymentType,
  mapProcedure,
  mapProvider,
} from './mapping';
import { perKey } from './per-key';
import { ADJUSTMENTS, CHARGES, CLAIMS, type ListReader, PAYMENTS, readByGuarantor, readByPatient } from './list-kinds';
import { listAll } from './pagination';
import { guarantorBalancePage, patientPage, paymentPage } from './scans';
import {
  adjustmentSchema,
  adjustmentTypeSchema,
  guarantorBalanceSchema,
  insuranceBalanceSchema,
  isDeletedRow,
  patientSchema,
  patientWithChildrenSchema,
  parseRow,
  paymentSchema,
  paymentTypeSchema,
  procedureSchema,
  providerSchema,
} from './schemas';
import { resolveOptions, type NexhealthAdapterOptions, type NexhealthConnection, type ResolvedNexhealthOptions } from './types';
import { registerNexhealthWebhooks, verifyNexhealthWebhook } from './webhooks';

/** NexHealth's answer to a reused `transaction_id` (the NexHealth spec, "Writes"). */
const TRANSACTION_ID_USED = /transaction_id has already been used/i;

export { LOCATION_SCAN_SINCE } from './scans';

/** Ids travel as JSON numbers when they are plain integers (NexHealth's ids are), else as strings. */
function wireId(id: string): string | number {
  return /^[1-9][0-9]{0,14}$/.test(id) ? Number(id) : id;
}

function splitMap(splits: Split[] | null): Record<string, string> | undefined {
  if (!splits || splits.length === 0) return undefined;
  const map: Record<string, string> = {};
  for (const s of splits) map[s.id] = formatCents(s.amount);
  return map;
}

class NexhealthAdapter implements LedgerAdapter {
  readonly system = 'NEXHEALTH' as const;
  readonly capabilities: Capabilities;
  private readonly client: NexhealthClient;
  /** How the four ledger lists are read (list-kinds.ts). */
  private readonly lists: ListReader;
  private readonly options: ResolvedNexhealthOptions;
  private readonly providerCache: TtlCache<string, ProviderRecord | null>;
  private readonly procedureCache: TtlCache<string, ProcedureRecord | null>;
  private readonly paymentTypeCache: TtlCache<'all', PaymentTypeRecord[]>;
  private readonly adjustmentTypeCache: TtlCache<'all', AdjustmentTypeRecord[]>;

  constructor(
    private readonly connection: NexhealthConnection,
    options: NexhealthAdapterOptions = {},
  ) {
    this.options = resolveOptions(options);
    this.capabilities = nexhealthCapabilities(connection.pms);
    this.client = new NexhealthClient(connection, this.options);
    this.lists = {
      client: this.client,
      locationId: connection.locationId,
      perPage: this.options.perPage,
      locationScanThreshold: this.options.locationScanThreshold,
    };
    const { referenceTtlMs: ttl, now } = this.options;
    this.providerCache = new TtlCache(ttl, now, (v) => v !== null);
    this.procedureCache = new TtlCache(ttl, now, (v) => v !== null);
    this.paymentTypeCache = new TtlCache(ttl, now);
    this.adjustmentTypeCache = new TtlCache(ttl, now);
  }

  connect(): Promise<void> {
    return this.client.connect();
  }

  close(): Promise<void> {
    return this.client.close();
  }

  private get location() {
    return { location_id: this.connection.locationId };
  }

  // -------------------------------------------------------------------------------------------
  // Patients
  // -------------------------------------------------------------------------------------------

  /**
   * `GET /patients/{id}` is institution-wide: a patient whose `location_ids` (when given) do not include
   * this adapter's location belongs to another practice and reads as `null`, like an unknown id.
   */
  private inLocation(row: { location_ids?: ReadonlyArray<string | number> | null }): boolean {
    const ids = row.location_ids;
    return !ids || ids.length === 0 || ids.some((l) => String(l) === this.connection.locationId);
  }

  patients(ids: readonly string[]): Promise<BatchResult<PatientRecord | null>> {
    return perKey(ids, (id) =>
      this.client.read(
        { endpoint: '/patients/{id}', path: `/patients/${encodeURIComponent(id)}` },
        (env) => {
          if (isDeletedRow(env.data)) return null;
          const row = parseRow(patientSchema, env.data);
          return this.inLocation(row) ? mapPatient(row) : null;
        },
        'null',
      ),
    );
  }

  listPatients(args: ScanArgs): Promise<Page<PatientRecord>> {
    return patientPage(this.client, this.connection.locationId, args);
  }

  families(guarantorIds: readonly string[]): Promise<BatchResult<FamilyRecord | null>> {
    return perKey(guarantorIds, (id) =>
      this.client.read(
        { endpoint: '/patients/{id}', path: `/patients/${encodeURIComponent(id)}`, query: { 'include[]': ['children'] } },
        (env): FamilyRecord | null => {
          if (isDeletedRow(env.data)) return null;
          const row = parseRow(patientWithChildrenSchema, env.data);
          if (!this.inLocation(row)) return null;
          const guarantor = mapPatient(row);
          const children = (row.children ?? [])
            .filter((c) => !isDeletedRow(c))
            .map((c) => parseRow(patientSchema, c))
            .filter((c) => this.inLocation(c))
            .map(mapPatient);
          // The guarantor herself and any repeated row are dropped, first occurrence kept.
          const seen = new Set<string>([guarantor.sourceId]);
          const dependents = children.filter((c) => {
            if (seen.has(c.sourceId)) return false;
            seen.add(c.sourceId);
            return true;
          });
          return { guarantor, dependents };
        },
        'null',
      ),
    );
  }

  // -------------------------------------------------------------------------------------------
  // Ledger rows by patient
  // -------------------------------------------------------------------------------------------

  chargesByPatient(patientIds: readonly string[]): Promise<BatchResult<ChargeRecord[]>> {
    return readByPatient(this.lists, patientIds, CHARGES);
  }

  paymentsByPatient(patientIds: readonly string[]): Promise<BatchResult<PaymentRecord[]>> {
    return readByPatient(this.lists, patientIds, PAYMENTS);
  }

  adjustmentsByPatient(patientIds: readonly string[]): Promise<BatchResult<AdjustmentRecord[]>> {
    return readByPatient(this.lists, patientIds, ADJUSTMENTS);
  }

  /**
   * Always one call per patient: `GET /claims` documents no `updated_since` († filters are
   * patient_id, guarantor_id, provider_id, date_of_service), so a location-wide scan is impossible.
   */
  claimsByPatient(patientIds: readonly string[]): Promise<BatchResult<ClaimRecord[]>> {
    return readByPatient(this.lists, patientIds, CLAIMS);
  }

  // -------------------------------------------------------------------------------------------
  // Ledger rows by guarantor (the port's optional by-guarantor lists)
  // -------------------------------------------------------------------------------------------

  chargesByGuarantor(guarantorIds: readonly string[]): Promise<BatchResult<ChargeRecord[]>> {
    return readByGuarantor(this.lists, guarantorIds, CHARGES);
  }

  paymentsByGuarantor(guarantorIds: readonly string[]): Promise<BatchResult<PaymentRecord[]>> {
    return readByGuarantor(this.lists, guarantorIds, PAYMENTS);
  }

  adjustmentsByGuarantor(guarantorIds: readonly string[]): Promise<BatchResult<AdjustmentRecord[]>> {
    return readByGuarantor(this.lists, guarantorIds, ADJUSTMENTS);
  }

  claimsByGuarantor(guarantorIds: readonly string[]): Promise<BatchResult<ClaimRecord[]>> {
    return readByGuarantor(this.lists, guarantorIds, CLAIMS);
  }

  // -------------------------------------------------------------------------------------------
  // Balances
  // -------------------------------------------------------------------------------------------

  listGuarantorBalances(args: ScanArgs): Promise<Page<GuarantorBalanceRecord>> {
    return guarantorBalancePage(this.client, this.connection.locationId, args);
  }

  listPayments(args: ScanArgs): Promise<ScanPage<PaymentRecord>> {
    return paymentPage(this.client, this.connection.locationId, args);
  }

  guarantorBalances(guarantorIds: readonly string[]): Promise<BatchResult<GuarantorBalanceRecord | null>> {
    return perKey(guarantorIds, async (id) => {
      const rows = await listAll(
        this.client,
        {
          endpoint: '/guarantor_balances',
          path: '/guarantor_balances',
          query: { guarantor_id: id, show_zero_balances: true, ...this.location },
        },
        guarantorBalanceSchema,
        this.options.perPage,
      );
      const mine = rows.filter((r) => r.guarantor_id === id);
      const here =
        mine.find((r) => r.location_id === this.connection.locationId) ?? mine.find((r) => r.location_id === null) ?? mine[0];
      return here ? mapGuarantorBalance(here) : null;
    });
  }

  insuranceBalancesByGuarantor(guarantorIds: readonly string[]): Promise<BatchResult<InsuranceBalanceRecord[]>> {
    return perKey(guarantorIds, async (id) => {
      const rows = await listAll(
        this.client,
        { endpoint: '/insurance_balances', path: '/insurance_balances', query: { guarantor_id: id, ...this.location } },
        insuranceBalanceSchema,
        this.options.perPage,
      );
      return rows.filter((r) => r.guarantor_id === null || r.guarantor_id === id).map(mapInsuranceBalance);
    });
  }

  // -------------------------------------------------------------------------------------------
  // Reference data
  // -------------------------------------------------------------------------------------------

  providers(ids: readonly string[]): Promise<BatchResult<ProviderRecord | null>> {
    return perKey(ids, (id) =>
      this.providerCache.get(id, () =>
        this.client.read(
          { endpoint: '/providers/{id}', path: `/providers/${encodeURIComponent(id)}` },
          (env) => (isDeletedRow(env.data) ? null : mapProvider(parseRow(providerSchema, env.data))),
          'null',
        ),
      ),
    );
  }

  procedures(ids: readonly string[]): Promise<BatchResult<ProcedureRecord | null>> {
    return perKey(ids, (id) =>
      this.procedureCache.get(id, () =>
        this.client.read(
          { endpoint: '/procedures/{id}', path: `/procedures/${encodeURIComponent(id)}` },
          (env) => (isDeletedRow(env.data) ? null : mapProcedure(parseRow(procedureSchema, env.data))),
          'null',
        ),
      ),
    );
  }

  cachedProvider(id: string): ProviderRecord | undefined {
    return this.providerCache.peek(id) ?? undefined;
  }

  cachedProcedure(id: string): ProcedureRecord | undefined {
    return this.procedureCache.peek(id) ?? undefined;
  }

  paymentTypes(): Promise<PaymentTypeRecord[]> {
    return this.paymentTypeCache.get('all', async () => {
      const rows = await listAll(
        this.client,
        { endpoint: '/payment_types', path: '/payment_types', query: this.location },
        paymentTypeSchema,
        this.options.perPage,
      );
      return rows.map(mapPaymentType);
    });
  }

  adjustmentTypes(): Promise<AdjustmentTypeRecord[]> {
    return this.adjustmentTypeCache.get('all', async () => {
      const rows = await listAll(
        this.client,
        { endpoint: '/adjustment_types', path: '/adjustment_types', query: this.location },
        adjustmentTypeSchema,
        this.options.perPage,
      );
      return rows.map(mapAdjustmentType);
    });
  }

  // -------------------------------------------------------------------------------------------
  // Writes
  // -------------------------------------------------------------------------------------------

  async submitWrite(write: OutgoingLedgerWrite): Promise<WriteOutcome> {
    const payment = write.kind === 'PAYMENT';
    const resource = payment ? 'payments' : 'adjustments';
    const spec: CallSpec = { endpoint: `/${resource}`, path: `/${resource}`, query: this.location };
    const chargeSplits = splitMap(write.chargeSplits);
    const providerSplits = splitMap(write.providerSplits);
    const fields: Record<string, unknown> = {
      patient_id: wireId(write.patientSourceId),
      amount: formatCents(write.amount),
      currency: write.currency,
      [payment ? 'payment_type_id' : 'adjustment_type_id']: wireId(write.typeSourceId),
      transaction_id: write.transactionId,
      [payment ? 'paid_at' : 'adjusted_at']: write.occurredAt,
      ...(chargeSplits ? { charge_splits: chargeSplits } : {}),
      ...(providerSplits ? { provider_splits: providerSplits } : {}),
      ...(write.notes != null ? { notes: write.notes } : {}),
    };
    const res = await this.client.write(spec, payment ? { payment: fields } : { adjustment: fields });
    if (res.status >= 200 && res.status < 300) return { state: 'SUBMITTED' };
    const error = this.client.writeError(spec, res);
    // A 400 "transaction_id has already been used" is a rejection here too, marked so: only the
    // transaction store knows whether the id's earlier use was its own attempt (then the write is
    // on its way) or someone else's (then this one must not be reported as landed).
    if (res.status === 400 && TRANSACTION_ID_USED.test(res.errorText)) {
      throw new UpstreamError(error.message, error.code, error.status, error.endpoint, 'TRANSACTION_ID_USED');
    }
    throw error;
  }

  async findTransaction(
    kind: 'PAYMENT' | 'ADJUSTMENT',
    transactionId: string,
    patientSourceId: string,
  ): Promise<LedgerRecords | null> {
    const patientAdjustments = async () => {
      const rows = await listAll(
        this.client,
        { endpoint: '/adjustments', path: '/adjustments', query: { ...this.location, patient_id: patientSourceId } },
        adjustmentSchema,
        this.options.perPage,
      );
      return rows.filter((r) => r.transaction_id === transactionId).map(mapAdjustment);
    };
    let payments: PaymentRecord[] = [];
    let adjustments: AdjustmentRecord[] = [];
    if (kind === 'PAYMENT') {
      const [rows, refunds] = await Promise.all([
        listAll(
          this.client,
          { endpoint: '/payments', path: '/payments', query: { ...this.location, transaction_id: transactionId } },
          paymentSchema,
          this.options.perPage,
        ),
        this.capabilities.refundsBecomeAdjustments ? patientAdjustments() : Promise.resolve([]),
      ]);
      payments = rows.filter((r) => r.transaction_id === transactionId).map(mapPayment);
      adjustments = refunds;
    } else {
      adjustments = await patientAdjustments();
    }
    return payments.length === 0 && adjustments.length === 0 ? null : { payments, adjustments };
  }

  registerWebhooks(targetUrl: string): Promise<WebhookRegistration> {
    return registerNexhealthWebhooks(this.client, targetUrl, this.options.perPage, this.connection.locationId);
  }

  verifyWebhook(args: {
    headers: Record<string, string | string[] | undefined>;
    rawBody: Buffer;
    secret: string;
    now: Date;
  }): InsertionEvent {
    return verifyNexhealthWebhook(args);
  }
}

/**
 * A LedgerAdapter over a NexHealth location (Synchronizer API v20240412).
 *
 * One undici pool per adapter; the API key is exchanged for a bearer token at `POST /authenticates`
 * (cached, renewed once on a 401); reads are retried (429 with `Retry-After`, 5xx, timeouts, network
 * errors) and writes never are. Batch methods answer per key; by-patient batches larger than
 * `locationScanThreshold` cost one location-wide scan instead of one call per patient.
 *
 * @example
 * ```ts
 * import { createNexhealthAdapter } from './adapters/nexhealth';
 *
 * const adapter = createNexhealthAdapter(
 *   { baseUrl: 'https://nexhealth.info', apiKey: process.env.NEX_KEY!, subdomain: 'smile', locationId: '123', pms: 'dentrix' },
 *   { timeoutMs: 5_000, onUpstreamCall: (e) => histogram.observe({ endpoint: e.endpoint }, e.durationMs) },
 * );
 * await adapter.connect();
 * const [charges] = await adapter.chargesByPatient(['42']);
 * if (charges instanceof Error) throw charges;
 * await adapter.submitWrite!({ kind: 'PAYMENT', transactionId: 'LG:1042', patientSourceId: '42', amount: -12500,
 *   currency: 'USD', typeSourceId: '7', providerSplits: null, chargeSplits: null, occurredAt: new Date().toISOString(), notes: null });
 * await adapter.close();
 * ```
 */
export function createNexhealthAdapter(connection: NexhealthConnection, options?: NexhealthAdapterOptions): LedgerAdapter {
  return new NexhealthAdapter(connection, options);
}
