/**
 * Per-request DataLoaders over the practices' adapters. Every read a resolver makes goes through
 * one of these, keyed by (practice, id), so sibling fields batch into one adapter call per practice
 * and identical reads within an operation happen once.
 *
 * Why per request: a loader caches for its whole life, and a ledger must never be served stale
 * across requests. The adapter's `RequestScope` lives exactly as long, for the same reason.
 *
 *     const loaders = createLoaders(registry);
 *     const charges = await loaders.charges.load({ practiceId: 'smile-dental', id: '42' });
 */
import DataLoader from 'dataloader';
import {
  createRequestScope,
  type AdjustmentRecord,
  type AdjustmentTypeRecord,
  type BatchResult,
  type ChargeRecord,
  type ClaimRecord,
  type CopayRecord,
  type CoverageRecord,
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
} from '../adapters/ledger/port';
import type { PracticeRegistry } from '../practices';
import { toGraphQLError } from './errors';
import { SettledCache, withSettledCache } from './settled-cache';

export interface PracticeKey {
  practiceId: string;
  id: string;
}

type BatchMethod<T> = (adapter: LedgerAdapter, ids: readonly string[], scope: RequestScope) => Promise<BatchResult<T>>;

/** Observes batch sizes (for metrics); optional. */
export type BatchObserver = (loader: string, size: number) => void;

/**
 * A loader keyed by (practice, id) that splits each batch by practice and calls the adapter once per
 * practice with that practice's ids. A failing adapter call fails only its own keys.
 */
function practiceLoader<T>(
  name: string,
  registry: PracticeRegistry,
  scope: RequestScope,
  method: BatchMethod<T>,
  observe?: BatchObserver,
  /** Keep resolved values for `loadNow` (settled-cache.ts): for the lists that rows read back. */
  settled = false,
): DataLoader<PracticeKey, T, string> {
  const cache = settled ? new SettledCache<T>() : undefined;
  const loader = new DataLoader<PracticeKey, T, string>(
    async (keys) => {
      const byPractice = new Map<string, number[]>();
      keys.forEach((key, index) => {
        const list = byPractice.get(key.practiceId) ?? [];
        list.push(index);
        byPractice.set(key.practiceId, list);
      });
      const results: Array<T | Error> = new Array(keys.length);
      const answerPractice = async (practiceId: string, indexes: number[]) => {
        const practice = registry.get(practiceId);
        if (!practice) {
          for (const i of indexes) results[i] = new Error(`unknown practice "${practiceId}"`);
          return;
        }
        const ids = indexes.map((i) => keys[i]!.id);
        observe?.(name, ids.length);
        try {
          const answers = await method(practice.adapter, ids, scope);
          if (answers.length !== ids.length) {
            throw new Error(`${name}: expected ${ids.length} answers from the adapter, got ${answers.length}`);
          }
          indexes.forEach((i, j) => {
            const answer = answers[j] as T | Error;
            results[i] = answer instanceof Error ? (toGraphQLError(answer) as Error) : answer;
          });
        } catch (error) {
          const mapped = toGraphQLError(error) as Error;
          for (const i of indexes) results[i] = mapped;
        }
      };
      // One practice (most batches): no Promise.all over one promise.
      const groups = [...byPractice];
      if (groups.length === 1) await answerPractice(...groups[0]!);
      else await Promise.all(groups.map(([practiceId, indexes]) => answerPractice(practiceId, indexes)));
      return results;
    },
    { cacheKeyFn: practiceKeyOf, ...(cache ? { cacheMap: cache } : {}) },
  );
  return cache ? withSettledCache(loader, cache, practiceKeyOf) : loader;
}

/** A loader's cache key for (practice, id). */
const practiceKeyOf = (key: PracticeKey) => `${key.practiceId}\u0000${key.id}`;

/** A loader of one whole list per practice (reference data such as payment types). */
function practiceListLoader<T>(
  registry: PracticeRegistry,
  method: (adapter: LedgerAdapter) => Promise<T[]>,
): DataLoader<string, T[]> {
  return new DataLoader<string, T[]>(async (practiceIds) =>
    Promise.all(
      practiceIds.map(async (practiceId) => {
        const practice = registry.get(practiceId);
        if (!practice) return new Error(`unknown practice "${practiceId}"`);
        try {
          return await method(practice.adapter);
        } catch (error) {
          return toGraphQLError(error) as Error;
        }
      }),
    ),
  );
}

/** The answer of a by-guarantor loader whose adapter does not declare that method (never asked: see ledger-prefetch.ts). */
async function absent<T>(method: string, ids: readonly string[]): Promise<BatchResult<T>> {
  return ids.map(() => new Error(`the adapter has no ${method}: its lists are read per patient`));
}

/**
 * A reference record (provider, procedure) as a value when the practice's adapter already knows it
 * (`cachedProvider` / `cachedProcedure`), else the loader's promise. A resolver that returns the
 * value lets graphql-js complete the row synchronously: no promise for the field and none for the
 * row or its list (the bench's 3-level document: 404 promises per request before, 243 after).
 */
function referenceNow<T>(
  registry: PracticeRegistry,
  loader: DataLoader<PracticeKey, T | null, string>,
  known: (adapter: LedgerAdapter, id: string) => T | null | undefined,
): (key: PracticeKey) => T | null | Promise<T | null> {
  return (key) => {
    const adapter = registry.get(key.practiceId)?.adapter;
    const value = adapter ? known(adapter, key.id) : undefined;
    return value === undefined ? loader.load(key) : value;
  };
}

export function createLoaders(registry: PracticeRegistry, observe?: BatchObserver) {
  const scope = createRequestScope();
  const make = <T>(name: string, method: BatchMethod<T>, settled = false) =>
    practiceLoader<T>(name, registry, scope, method, observe, settled);
  const providers = make<ProviderRecord | null>('providers', (a, ids, s) => a.providers(ids, s));
  const procedures = make<ProcedureRecord | null>('procedures', (a, ids, s) => a.procedures(ids, s));
  return {
    scope,
    patients: make<PatientRecord | null>('patients', (a, ids, s) => a.patients(ids, s)),
    families: make<FamilyRecord | null>('families', (a, ids, s) => a.families(ids, s)),
    // The per-patient lists: read back by rows (a payment's charge; a charge's patient amount and
    // claim) and by the balance and invoice, which `loadNow` answers once they are in.
    charges: make<ChargeRecord[]>('charges', (a, ids, s) => a.chargesByPatient(ids, s), true),
    payments: make<PaymentRecord[]>('payments', (a, ids, s) => a.paymentsByPatient(ids, s), true),
    adjustments: make<AdjustmentRecord[]>('adjustments', (a, ids, s) => a.adjustmentsByPatient(ids, s), true),
    claims: make<ClaimRecord[]>('claims', (a, ids, s) => a.claimsByPatient(ids, s), true),
    // A family's rows by guarantor id, where the adapter declares these (ledger-prefetch.ts).
    chargesByGuarantor: make<ChargeRecord[]>('chargesByGuarantor', (a, ids, s) =>
      a.chargesByGuarantor ? a.chargesByGuarantor(ids, s) : absent('chargesByGuarantor', ids),
    ),
    paymentsByGuarantor: make<PaymentRecord[]>('paymentsByGuarantor', (a, ids, s) =>
      a.paymentsByGuarantor ? a.paymentsByGuarantor(ids, s) : absent('paymentsByGuarantor', ids),
    ),
    adjustmentsByGuarantor: make<AdjustmentRecord[]>('adjustmentsByGuarantor', (a, ids, s) =>
      a.adjustmentsByGuarantor ? a.adjustmentsByGuarantor(ids, s) : absent('adjustmentsByGuarantor', ids),
    ),
    claimsByGuarantor: make<ClaimRecord[]>('claimsByGuarantor', (a, ids, s) =>
      a.claimsByGuarantor ? a.claimsByGuarantor(ids, s) : absent('claimsByGuarantor', ids),
    ),
    guarantorBalances: make<GuarantorBalanceRecord | null>('guarantorBalances', (a, ids, s) => a.guarantorBalances(ids, s)),
    insuranceBalances: make<InsuranceBalanceRecord[]>('insuranceBalances', (a, ids, s) => a.insuranceBalancesByGuarantor(ids, s)),
    providers,
    procedures,
    /** `providers.load(key)`, or its value without a promise when the adapter knows it (`referenceNow`). */
    providerNow: referenceNow(registry, providers, (a, id) => a.cachedProvider?.(id)),
    /** `procedures.load(key)`, or its value without a promise when the adapter knows it. */
    procedureNow: referenceNow(registry, procedures, (a, id) => a.cachedProcedure?.(id)),
    copays: make<CopayRecord | null>('copays', async (a, ids, s) => (a.copays ? a.copays(ids, s) : ids.map(() => null))),
    // Asked only where capabilities.coverage (resolvers/coverage.ts); an adapter without the method answers none.
    coverages: make<CoverageRecord[]>('coverages', async (a, ids, s) =>
      a.coveragesByPatient ? a.coveragesByPatient(ids, s) : ids.map(() => []),
    ),
    patientPages: new DataLoader<{ practiceId: string; first: number; after: string | null }, Page<PatientRecord>, string>(
      (keys) =>
        Promise.all(
          keys.map(async ({ practiceId, first, after }) => {
            const practice = registry.get(practiceId);
            if (!practice) return new Error(`unknown practice "${practiceId}"`);
            try {
              return await practice.adapter.listPatients({ first, after }, scope);
            } catch (error) {
              return toGraphQLError(error) as Error;
            }
          }),
        ),
      { cacheKeyFn: (key) => JSON.stringify([key.practiceId, key.first, key.after]) },
    ),
    paymentTypes: practiceListLoader<PaymentTypeRecord>(registry, (a) => a.paymentTypes()),
    adjustmentTypes: practiceListLoader<AdjustmentTypeRecord>(registry, (a) => a.adjustmentTypes()),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;
