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
 *
 * This file holds the public types, the capabilities and the factory that wires the parts together:
 * `client.ts` (HTTP, OAuth, retries), `departments.ts` (the cached departments), `reads.ts` (the
 * scope-memoized reads), `read-methods.ts` (the port's batch reads) and `collect-payment.ts`.
 */
import type { Capabilities, LedgerAdapter, RequestScope, UnsupportedReasons } from '../port';
import type { CollectibleContext } from '../../../ledger/collectible';
import { createLimiter } from '../../http/limiter';
import { AthenaClient, type AthenahealthConnection, type UpstreamCallEvent } from './client';
import { collectPayment } from './collect-payment';
import { createDepartmentsCache } from './departments';
import { absentReadMethods, patientReadMethods } from './read-methods';
import { createPatientReads } from './reads';

export type { AthenahealthConnection, UpstreamCallEvent } from './client';
export { collectPaymentForm } from './collect-payment';

import type { UpstreamBudget } from '../../../upstream-budget';

export interface AthenahealthAdapterOptions {
  /** Total time for one HTTP exchange (headers and body), in ms. Default 10000. */
  timeoutMs?: number;
  /** Retries of a read (network, timeout, 429, 5xx, malformed body) after the first try. Default 3. The collectpayment POST is never retried. */
  maxRetries?: number;
  /** Base of the jittered exponential backoff between read retries, in ms. Default 200. */
  retryBaseDelayMs?: number;
  /** Called after every HTTP exchange (token calls included). Never receives bodies. Default: none. */
  onUpstreamCall?: (e: UpstreamCallEvent) => void;
  /** The credential's upstream budget, shared with the other practices on the same client. Default: none. */
  upstreamBudget?: UpstreamBudget;
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
  externalPayments: false,
  writesOneVisit: false,
  coverage: false,
  refunds: true,
  practiceReports: false,
});

/** Why athenahealth refuses what it cannot do, for `NOT_SUPPORTED` messages. */
export const ATHENAHEALTH_UNSUPPORTED: Readonly<UnsupportedReasons> = Object.freeze({
  patientListing: 'athenahealth has no practice-wide patient listing: patients are found by id or by search criteria',
  practiceReports:
    'athenahealth lists no practice-wide guarantor balances or payments: receivables, aging and collections would cost one call per patient',
  externalPayments:
    'athenahealth collects card payments through its own collectPayment and takes no payment collected by another processor',
});

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
    upstreamBudget: options.upstreamBudget,
    maxRetryAfterMs: 60_000,
    connections: 8,
  });
  const departments = createDepartmentsCache(client, referenceTtlMs);
  const reads = createPatientReads(client, createLimiter(8), connection.practiceId);

  return {
    system: 'ATHENAHEALTH',
    capabilities: ATHENAHEALTH_CAPABILITIES,
    unsupported: ATHENAHEALTH_UNSUPPORTED,

    async connect() {
      await client.accessToken();
      await departments.get();
    },

    ...patientReadMethods(reads, departments),
    ...absentReadMethods(),

    collectPayment(collection) {
      return collectPayment(client, reads, collection);
    },

    async close() {
      departments.clear();
      await client.close();
    },
  };
}
