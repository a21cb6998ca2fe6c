/**
 * The athenahealth (athenaOne v1) LedgerAdapter.
 *
 *     const adapter = createAthenahealthAdapter(
 *       { baseUrl: 'https://api.preview.platform.athenahealth.com', clientId, clientSecret, practiceId: '195900' },
 *       { timeoutMs: 10_000, maxRetries: 3, onUpstreamCall: (e) => metrics.observe(e) },
 *     );
 *     await adapter.connect();
 *     const scope = createRequestScope();                      // one per GraphQL operation
 *     const [claims] = await adapter.claimsByPatient(['5001'], scope);
 *     const [charges] = await adapter.chargesByPatient(['5001'], scope);   // same upstream call
 *     const outcome = await adapter.collectPayment!({ … });    // COMPLETED | FAILED, never retried
 *
 * One patient call (`GET /v1/{pid}/patients/{id}?showbalancedetails=true&showallclaims=true`) feeds
 * the patient, her claims, charges, payments and adjustments; with a scope it is made once per
 * operation. The practice's departments (enterprise or not) are cached for `referenceTtlMs`.
 * Mapping rules: README.md next to this file.
 */
import {
  UpstreamError,
  type AdjustmentRecord,
  type AdjustmentTypeRecord,
  type BatchResult,
  type CardCollection,
  type Capabilities,
  type ChargeRecord,
  type ClaimRecord,
  type CopayRecord,
  type FamilyRecord,
  type GuarantorBalanceRecord,
  type InsuranceBalanceRecord,
  type LedgerAdapter,
  type Page,
  type PatientRecord,
  type PaymentRecord,
  type PaymentTypeRecord,
  type ProcedureRecord,
  type ProviderRecord,
  type RequestScope,
  type WriteOutcome,
} from '../port';
import { isEnterprise, type CollectibleContext } from '../../../ledger/collectible';
import { formatCents, negateCents } from '../../../ledger/money';
import { createLimiter, type Limiter } from '../../http/limiter';
import {
  AthenaClient,
  NOT_FOUND,
  redact,
  type AthenahealthConnection,
  type UpstreamCallEvent,
} from './client';
import {
  currentDepartmentOf,
  isSelfGuarantor,
  mapClaims,
  mapCopay,
  mapLedger,
  mapPatient,
  mapSyntheticGuarantor,
  patientIdOfGuarantor,
  type PatientLedger,
} from './mapping';
import {
  appointmentResponseSchema,
  collectPaymentResponseSchema,
  departmentsPageSchema,
  patientResponseSchema,
  type WireDepartment,
  type WirePatient,
} from './schemas';
import type { z } from 'zod';

export type { AthenahealthConnection, UpstreamCallEvent } from './client';

export interface AthenahealthAdapterOptions {
  /** Total time for one HTTP exchange (headers and body), in ms. Default 10000. */
  timeoutMs?: number;
  /** Retries of a read (network, timeout, 429, 5xx, malformed body) after the first try. Default 3. The collectpayment POST is never retried. */
  maxRetries?: number;
  /** Base of the jittered exponential backoff between read retries, in ms. Default 200. */
  retryBaseDelayMs?: number;
  /** Called after every HTTP exchange (token calls included). Never receives bodies. Default: none. */
  onUpstreamCall?: (e: UpstreamCallEvent) => void;
  /** How long the practice's departments (and so its enterprise flag) are cached, in ms. Default 300000. */
  referenceTtlMs?: number;
}

/** The inputs of the collectible-claim rule for one patient (see `src/ledger/collectible.ts`). */
export interface AthenahealthCollectibleContext extends CollectibleContext {
  /** The provider group whose departments include the current department; `null` when unknown or not enterprise. */
  collectibleProviderGroupId: string | null;
}

/** The port plus what only athenahealth has. */
export interface AthenahealthAdapter extends LedgerAdapter {
  /**
   * The collectible-claim rule's inputs for a patient (`null` for an unknown patient): whether the
   * practice is enterprise, the patient's current department and the collectible provider group.
   */
  collectibleContext(patientId: string, scope?: RequestScope): Promise<AthenahealthCollectibleContext | null>;
}

export const ATHENAHEALTH_CAPABILITIES: Readonly<Capabilities> = Object.freeze({
  writeOffEstimates: false,
  guarantorAging: false,
  insuranceAging: false,
  claimLevelBalances: true,
  asyncInsertion: false,
  ledgerWrites: false,
  cardCollection: true,
  copays: true,
  refundsBecomeAdjustments: false,
  chargeSplitsBecomeProviderSplits: false,
  webhooks: false,
  patientListing: false,
});

const EP_DEPARTMENTS = '/v1/{practiceid}/departments';
const EP_PATIENT = '/v1/{practiceid}/patients/{patientid}';
const EP_APPOINTMENT = '/v1/{practiceid}/appointments/{appointmentid}';
const EP_COLLECT = '/v1/{practiceid}/patients/{patientid}/collectpayment';

/** Guards against a `next` link that never ends. */
const MAX_PAGES = 1000;

interface Departments {
  list: WireDepartment[];
  enterprise: boolean;
}

/**
 * Create the adapter. Nothing is fetched until the first call (`connect()` tries the token and the
 * departments call).
 *
 * @param connection `baseUrl` (origin plus optional path prefix), OAuth `clientId`/`clientSecret`, and
 *   athenahealth's `practiceId`.
 * @param options See {@link AthenahealthAdapterOptions}; every option has a default.
 */
export function createAthenahealthAdapter(
  connection: AthenahealthConnection,
  options: AthenahealthAdapterOptions = {},
): AthenahealthAdapter {
  const referenceTtlMs = options.referenceTtlMs ?? 300_000;
  const client = new AthenaClient(connection, {
    timeoutMs: options.timeoutMs ?? 10_000,
    maxRetries: options.maxRetries ?? 3,
    retryBaseDelayMs: options.retryBaseDelayMs ?? 200,
    onUpstreamCall: options.onUpstreamCall,
    maxRetryAfterMs: 60_000,
    connections: 8,
  });
  const limit: Limiter = createLimiter(8);

  let departmentsCache: { value: Departments; expiresAt: number } | null = null;
  let departmentsInFlight: Promise<Departments> | null = null;

  // --- upstream reads -------------------------------------------------------------------------

  function parse<S extends z.ZodTypeAny>(schema: S, json: unknown, method: string, endpoint: string): z.output<S> {
    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      // zod issues name paths and expectations, never values: nothing of the patient leaks
      const where = parsed.error.issues
        .slice(0, 3)
        .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
        .join('; ');
      throw new UpstreamError(`athenahealth: malformed response from ${method} ${endpoint} (${where})`, 'UPSTREAM_UNAVAILABLE', 200, endpoint);
    }
    return parsed.data;
  }

  async function fetchDepartments(): Promise<Departments> {
    const list: WireDepartment[] = [];
    let path: string | null = client.practiceUrl('/departments');
    const seen = new Set<string>();
    for (let page = 0; path !== null; page++) {
      if (page >= MAX_PAGES || seen.has(path)) {
        throw new UpstreamError(`athenahealth: GET ${EP_DEPARTMENTS} pagination does not end`, 'UPSTREAM_UNAVAILABLE', null, EP_DEPARTMENTS);
      }
      seen.add(path);
      const json = await client.read(path, EP_DEPARTMENTS);
      if (json === NOT_FOUND) {
        throw new UpstreamError(`athenahealth rejected GET ${EP_DEPARTMENTS} (HTTP 404)`, 'UPSTREAM_REJECTED', 404, EP_DEPARTMENTS);
      }
      const body = parse(departmentsPageSchema, json, 'GET', EP_DEPARTMENTS);
      list.push(...body.departments);
      path = body.next ? client.resolveNext(body.next) : null;
    }
    return {
      list,
      enterprise: isEnterprise(list.map((d) => ({ providerGroupId: d.providergroupid ?? null }))),
    };
  }

  /** The practice's departments, cached for `referenceTtlMs` (failures are not cached). */
  function departments(): Promise<Departments> {
    if (departmentsCache && Date.now() < departmentsCache.expiresAt) return Promise.resolve(departmentsCache.value);
    if (!departmentsInFlight) {
      departmentsInFlight = fetchDepartments()
        .then((value) => {
          departmentsCache = { value, expiresAt: Date.now() + referenceTtlMs };
          return value;
        })
        .finally(() => {
          departmentsInFlight = null;
        });
    }
    return departmentsInFlight;
  }

  async function fetchPatient(patientId: string): Promise<WirePatient | null> {
    const path = client.practiceUrl(`/patients/${encodeURIComponent(patientId)}?showbalancedetails=true&showallclaims=true`);
    const json = await limit(() => client.read(path, EP_PATIENT));
    if (json === NOT_FOUND) return null;
    const list = parse(patientResponseSchema, json, 'GET', EP_PATIENT);
    return list[0] ?? null;
  }

  /** The patient's detail, once per scope (a scope-less call always fetches). */
  function patientDetail(patientId: string, scope?: RequestScope): Promise<WirePatient | null> {
    if (!scope) return fetchPatient(patientId);
    const key = `athenahealth:patient:${connection.practiceId}:${patientId}`;
    let pending = scope.memo.get(key) as Promise<WirePatient | null> | undefined;
    if (!pending) {
      pending = fetchPatient(patientId);
      pending.catch(() => undefined); // observed by the callers; no unhandled rejection meanwhile
      scope.memo.set(key, pending);
    }
    return pending;
  }

  async function fetchAppointment(appointmentId: string): Promise<CopayRecord | null> {
    const path = client.practiceUrl(`/appointments/${encodeURIComponent(appointmentId)}?showcopay=true`);
    const json = await limit(() => client.read(path, EP_APPOINTMENT));
    if (json === NOT_FOUND) return null;
    const list = parse(appointmentResponseSchema, json, 'GET', EP_APPOINTMENT);
    return list[0] ? mapCopay(list[0]) : null;
  }

  function appointmentCopay(appointmentId: string, scope?: RequestScope): Promise<CopayRecord | null> {
    if (!scope) return fetchAppointment(appointmentId);
    const key = `athenahealth:appointment:${connection.practiceId}:${appointmentId}`;
    let pending = scope.memo.get(key) as Promise<CopayRecord | null> | undefined;
    if (!pending) {
      pending = fetchAppointment(appointmentId);
      pending.catch(() => undefined);
      scope.memo.set(key, pending);
    }
    return pending;
  }

  /** Run `one` for each key (the same key once), each key's failure its own. */
  async function batch<T>(keys: readonly string[], one: (key: string) => Promise<T>): Promise<BatchResult<T>> {
    const byKey = new Map<string, Promise<T | Error>>();
    for (const key of keys) {
      if (!byKey.has(key)) byKey.set(key, one(key).catch((err: unknown) => asError(err)));
    }
    return Promise.all(keys.map((key) => byKey.get(key)!));
  }

  async function collectibleContext(p: WirePatient): Promise<AthenahealthCollectibleContext> {
    const deps = await departments();
    const currentDepartmentId = currentDepartmentOf(p);
    const group = deps.enterprise && currentDepartmentId !== null
      ? (deps.list.find((d) => d.departmentid === currentDepartmentId)?.providergroupid ?? null)
      : null;
    return { enterprise: deps.enterprise, currentDepartmentId, collectibleProviderGroupId: group };
  }

  async function ledgerOf(patientId: string, scope?: RequestScope): Promise<PatientLedger | null> {
    const p = await patientDetail(patientId, scope);
    return p ? mapLedger(p) : null;
  }

  // --- the adapter ------------------------------------------------------------------------------

  const adapter: AthenahealthAdapter = {
    system: 'ATHENAHEALTH',
    capabilities: ATHENAHEALTH_CAPABILITIES,

    async connect() {
      await client.accessToken();
      await departments();
    },

    patients(ids, scope) {
      return batch(ids, async (id) => {
        const p = await patientDetail(id, scope);
        return p ? mapPatient(p) : null;
      });
    },

    async listPatients(): Promise<Page<PatientRecord>> {
      // athenahealth has no practice-wide patient listing for this use (capability patientListing false).
      return { items: [], endCursor: null, hasNextPage: false };
    },

    families(guarantorIds, scope) {
      return batch(guarantorIds, async (id): Promise<FamilyRecord | null> => {
        const dependentId = patientIdOfGuarantor(id);
        if (dependentId !== null) {
          const p = await patientDetail(dependentId, scope);
          if (!p || isSelfGuarantor(p)) return null;
          return { guarantor: mapSyntheticGuarantor(p), dependents: [mapPatient(p)] };
        }
        const p = await patientDetail(id, scope);
        if (!p || !isSelfGuarantor(p)) return null;
        return { guarantor: mapPatient(p), dependents: [] };
      });
    },

    chargesByPatient(patientIds, scope) {
      return batch(patientIds, async (id): Promise<ChargeRecord[]> => (await ledgerOf(id, scope))?.charges ?? []);
    },

    paymentsByPatient(patientIds, scope) {
      return batch(patientIds, async (id): Promise<PaymentRecord[]> => (await ledgerOf(id, scope))?.payments ?? []);
    },

    adjustmentsByPatient(patientIds, scope) {
      return batch(patientIds, async (id): Promise<AdjustmentRecord[]> => (await ledgerOf(id, scope))?.adjustments ?? []);
    },

    claimsByPatient(patientIds, scope) {
      return batch(patientIds, async (id): Promise<ClaimRecord[]> => {
        const p = await patientDetail(id, scope);
        if (!p) return [];
        return mapClaims(p, await collectibleContext(p));
      });
    },

    guarantorBalances(guarantorIds): Promise<BatchResult<GuarantorBalanceRecord | null>> {
      return Promise.resolve(guarantorIds.map(() => null));
    },

    insuranceBalancesByGuarantor(guarantorIds): Promise<BatchResult<InsuranceBalanceRecord[]>> {
      return Promise.resolve(guarantorIds.map(() => []));
    },

    providers(ids): Promise<BatchResult<ProviderRecord | null>> {
      return Promise.resolve(ids.map(() => null));
    },

    procedures(ids): Promise<BatchResult<ProcedureRecord | null>> {
      return Promise.resolve(ids.map(() => null));
    },

    async paymentTypes(): Promise<PaymentTypeRecord[]> {
      return [];
    },

    async adjustmentTypes(): Promise<AdjustmentTypeRecord[]> {
      return [];
    },

    copays(appointmentIds, scope) {
      return batch(appointmentIds, (id) => appointmentCopay(id, scope));
    },

    async collectibleContext(patientId, scope) {
      const p = await patientDetail(patientId, scope);
      return p ? collectibleContext(p) : null;
    },

    collectPayment(collection) {
      return collectPayment(collection);
    },

    async close() {
      departmentsCache = null;
      await client.close();
    },
  };

  // --- collectpayment ---------------------------------------------------------------------------

  async function collectPayment(collection: CardCollection): Promise<WriteOutcome> {
    const secrets = [collection.card.number, collection.card.number.replace(/[\s-]/g, ''), collection.card.cvv];
    const form = collectPaymentForm(collection);
    const path = client.practiceUrl(`/patients/${encodeURIComponent(collection.patientSourceId)}/collectpayment`);
    const res = await client.postForm(path, form, EP_COLLECT);
    // The form (card data) is not kept past this point: nothing references it any more.
    if (res.status === 404 && !/invalid practice/i.test(res.text)) {
      throw new UpstreamError(`athenahealth: patient ${collection.patientSourceId} not found for POST ${EP_COLLECT}`, 'NOT_FOUND', 404, EP_COLLECT);
    }
    if (res.status < 200 || res.status >= 300) throw client.failure('POST', EP_COLLECT, res, secrets);
    let json: unknown;
    try {
      json = JSON.parse(res.text);
    } catch {
      throw new UpstreamError(`athenahealth: malformed response from POST ${EP_COLLECT}; the outcome is unknown`, 'UPSTREAM_UNAVAILABLE', res.status, EP_COLLECT);
    }
    const parsed = collectPaymentResponseSchema.safeParse(json);
    if (!parsed.success) {
      throw new UpstreamError(`athenahealth: malformed response from POST ${EP_COLLECT}; the outcome is unknown`, 'UPSTREAM_UNAVAILABLE', res.status, EP_COLLECT);
    }
    if (!parsed.data.success) {
      return { state: 'FAILED', reason: redact(parsed.data.errortext || 'Payment not processed', secrets) };
    }
    const epaymentId = parsed.data.epaymentid ?? null;
    const records = await collectedRecords(collection, epaymentId);
    return { state: 'COMPLETED', receiptId: epaymentId, records: { payments: records, adjustments: [] } };
  }

  /**
   * The PAYMENT rows of a successful collection. Claim payments are re-read from the patient (the
   * rows athenahealth appended, matched by epayment id and claim) so their source ids are the real
   * ones; when the re-read fails or does not show them, they are built from the request. Copay and
   * other amounts land in no claim, so they are always built from the request. Every row carries the
   * gateway's transaction id.
   */
  async function collectedRecords(collection: CardCollection, epaymentId: string | null): Promise<PaymentRecord[]> {
    // Like a read's rows (athenahealth dates a payment by its day): midnight UTC of today.
    const paidAt = `${new Date().toISOString().slice(0, 10)}T00:00:00Z`;
    const base = {
      patientSourceId: collection.patientSourceId,
      providerSourceId: null,
      paymentTypeSourceId: null,
      transactionId: collection.transactionId,
      fromInsurance: false,
    } as const;
    const tag = epaymentId ?? collection.transactionId;
    const records: PaymentRecord[] = [];
    const claimPayments = collection.claimPayments.filter((c) => c.amount > 0);
    let reread: PaymentRecord[] = [];
    if (claimPayments.length > 0 && epaymentId !== null) {
      try {
        const ledger = await ledgerOf(collection.patientSourceId);
        reread = (ledger?.payments ?? []).filter((p) => p.transactionId === epaymentId);
      } catch {
        reread = []; // the payment is done; a failed re-read must not turn it into an error
      }
    }
    for (const { claimId, amount } of claimPayments) {
      const rows = reread.filter((r) => r.claimSourceId === claimId);
      if (rows.length > 0) {
        for (const row of rows) records.push({ ...row, ...base, chargeSourceId: row.chargeSourceId, claimSourceId: claimId, amount: row.amount, paidAt: row.paidAt });
      } else {
        records.push({ ...base, sourceId: `epayment-${tag}-claim-${claimId}`, chargeSourceId: null, claimSourceId: claimId, amount: negateCents(amount), paidAt });
      }
    }
    if (collection.copayAmount !== null && collection.copayAmount > 0) {
      records.push({ ...base, sourceId: `epayment-${tag}-copay`, chargeSourceId: null, claimSourceId: null, amount: negateCents(collection.copayAmount), paidAt });
    }
    if (collection.otherAmount !== null && collection.otherAmount > 0) {
      records.push({ ...base, sourceId: `epayment-${tag}-other`, chargeSourceId: null, claimSourceId: null, amount: negateCents(collection.otherAmount), paidAt });
    }
    return records;
  }

  return adapter;
}

/**
 * The collectpayment form: every field of the spec, amounts as decimal strings, `claimpayment` a
 * JSON string. `nameoncard` and `billingaddress` are cut to athenahealth's limits (30 and 20).
 */
export function collectPaymentForm(collection: CardCollection): URLSearchParams {
  const { card } = collection;
  const form = new URLSearchParams();
  form.set('departmentid', collection.departmentId);
  form.set('accountnumber', card.number.replace(/[\s-]/g, ''));
  form.set('expirationmonthmm', String(card.expMonth).padStart(2, '0'));
  form.set('expirationyearyyyy', String(card.expYear < 100 ? 2000 + card.expYear : card.expYear));
  form.set('cardsecuritycode', card.cvv);
  form.set('nameoncard', card.nameOnCard.slice(0, 30));
  form.set('billingaddress', card.billingAddress.slice(0, 20));
  form.set('billingzip', card.billingZip);
  form.set('ecommercemode', 'true');
  if (collection.copayAmount !== null && collection.copayAmount > 0) {
    form.set('copayamount', formatCents(collection.copayAmount));
  }
  if (collection.appointmentId) form.set('appointmentid', collection.appointmentId);
  if (collection.otherAmount !== null && collection.otherAmount > 0) {
    form.set('otheramount', formatCents(collection.otherAmount));
  }
  if (collection.claimPayments.length > 0) {
    form.set('claimpayment', JSON.stringify(collection.claimPayments.map((c) => ({ [c.claimId]: formatCents(c.amount) }))));
  }
  form.set('allowduplicatepayments', collection.allowDuplicate ? 'true' : 'false');
  return form;
}

/** Every per-key failure is an UpstreamError (figures the ledger cannot read count as malformed). */
function asError(err: unknown): Error {
  if (err instanceof UpstreamError) return err;
  const kind = err instanceof Error ? err.name : 'failure';
  return new UpstreamError(`athenahealth: unreadable response (${kind})`, 'UPSTREAM_UNAVAILABLE');
}
