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

/** The per-patient ledger lists, a loader each (read ahead by ledger-prefetch.ts, waited on by resolvers/ledger-access.ts). */
export const LEDGER_LISTS = ['charges', 'payments', 'adjustments', 'claims'] as const;
export type LedgerList = (typeof LEDGER_LISTS)[number];

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
    (keys) => {
      const byPractice = new Map<string, number[]>();
      keys.forEach((key, index) => {
        const list = byPractice.get(key.practiceId) ?? [];
        list.push(index);
        byPractice.set(key.practiceId, list);
      });
      const results: Array<T | Error> = new Array(keys.length);
      const fail = (indexes: readonly number[], error: unknown) => {
        const mapped = toGraphQLError(error) as Error;
        for (const i of indexes) results[i] = mapped;
      };
      // Each practice's answers into `results`; never rejects (a failure fails that practice's keys).
      // A `then` on the adapter's promise rather than async functions awaiting it: on every batch
      // read, two promises fewer.
      const answerPractice = (practiceId: string, indexes: number[]): Promise<void> | undefined => {
        const practice = registry.get(practiceId);
        if (!practice) {
          for (const i of indexes) results[i] = new Error(`unknown practice "${practiceId}"`);
          return undefined;
        }
        const ids = indexes.map((i) => keys[i]!.id);
        let answered: Promise<BatchResult<T>>;
        try {
          observe?.(name, ids.length);
          answered = method(practice.adapter, ids, scope);
        } catch (error) {
          fail(indexes, error);
          return undefined;
        }
        return answered.then(
          (answers) => {
            if (answers.length !== ids.length) {
              fail(indexes, new Error(`${name}: expected ${ids.length} answers from the adapter, got ${answers.length}`));
              return;
            }
            indexes.forEach((i, j) => {
              const answer = answers[j] as T | Error;
              results[i] = answer instanceof Error ? (toGraphQLError(answer) as Error) : answer;
            });
          },
          (error: unknown) => fail(indexes, error),
        );
      };
      // One practice (most batches): no Promise.all over one promise.
      const groups = [...byPractice];
      const pending =
        groups.length === 1
          ? answerPractice(...groups[0]!)
          : Promise.all(groups.map(([practiceId, indexes]) => answerPractice(practiceId, indexes)));
      return pending ? pending.then(() => results) : Promise.resolve(results);
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
 * The loaders of one request (or one job). Each is built on first use: a document reads a handful
 * of the twenty, and building all of them for every request was a measurable share of its cost
 * (the bench's 3-level document uses three).
 */
export class RequestLoaders {
  /** The adapters' per-request memo (port.ts), shared by every loader of this request. */
  readonly scope: RequestScope = createRequestScope();
  #patients?: DataLoader<PracticeKey, PatientRecord | null, string>;
  #families?: DataLoader<PracticeKey, FamilyRecord | null, string>;
  #charges?: DataLoader<PracticeKey, ChargeRecord[], string>;
  #payments?: DataLoader<PracticeKey, PaymentRecord[], string>;
  #adjustments?: DataLoader<PracticeKey, AdjustmentRecord[], string>;
  #claims?: DataLoader<PracticeKey, ClaimRecord[], string>;
  #chargesByGuarantor?: DataLoader<PracticeKey, ChargeRecord[], string>;
  #paymentsByGuarantor?: DataLoader<PracticeKey, PaymentRecord[], string>;
  #adjustmentsByGuarantor?: DataLoader<PracticeKey, AdjustmentRecord[], string>;
  #claimsByGuarantor?: DataLoader<PracticeKey, ClaimRecord[], string>;
  #guarantorBalances?: DataLoader<PracticeKey, GuarantorBalanceRecord | null, string>;
  #insuranceBalances?: DataLoader<PracticeKey, InsuranceBalanceRecord[], string>;
  #providers?: DataLoader<PracticeKey, ProviderRecord | null, string>;
  #procedures?: DataLoader<PracticeKey, ProcedureRecord | null, string>;
  #copays?: DataLoader<PracticeKey, CopayRecord | null, string>;
  #coverages?: DataLoader<PracticeKey, CoverageRecord[], string>;
  #patientPages?: DataLoader<{ practiceId: string; first: number; after: string | null }, Page<PatientRecord>, string>;
  #paymentTypes?: DataLoader<string, PaymentTypeRecord[]>;
  #adjustmentTypes?: DataLoader<string, AdjustmentTypeRecord[]>;

  constructor(
    private readonly registry: PracticeRegistry,
    private readonly observe?: BatchObserver,
  ) {}

  private make<T>(name: string, method: BatchMethod<T>, settled = false): DataLoader<PracticeKey, T, string> {
    return practiceLoader<T>(name, this.registry, this.scope, method, this.observe, settled);
  }

  get patients() {
    this.#patients ??= this.make('patients', (a, ids, s) => a.patients(ids, s));
    return this.#patients;
  }
  get families() {
    this.#families ??= this.make('families', (a, ids, s) => a.families(ids, s));
    return this.#families;
  }
  // The per-patient lists: read back by rows (a payment's charge; a charge's patient amount and
  // claim) and by the balance and invoice, which `loadNow` answers once they are in.
  get charges() {
    this.#charges ??= this.make('charges', (a, ids, s) => a.chargesByPatient(ids, s), true);
    return this.#charges;
  }
  get payments() {
    this.#payments ??= this.make('payments', (a, ids, s) => a.paymentsByPatient(ids, s), true);
    return this.#payments;
  }
  get adjustments() {
    this.#adjustments ??= this.make('adjustments', (a, ids, s) => a.adjustmentsByPatient(ids, s), true);
    return this.#adjustments;
  }
  get claims() {
    this.#claims ??= this.make('claims', (a, ids, s) => a.claimsByPatient(ids, s), true);
    return this.#claims;
  }
  /** A per-patient list's loader if this request has used it; `undefined` (and none built) otherwise. */
  usedList(list: LedgerList): DataLoader<PracticeKey, unknown, string> | undefined {
    switch (list) {
      case 'charges':
        return this.#charges;
      case 'payments':
        return this.#payments;
      case 'adjustments':
        return this.#adjustments;
      case 'claims':
        return this.#claims;
    }
  }
  // A family's rows by guarantor id, where the adapter declares these (ledger-prefetch.ts).
  get chargesByGuarantor() {
    this.#chargesByGuarantor ??= this.make('chargesByGuarantor', (a, ids, s) =>
      a.chargesByGuarantor ? a.chargesByGuarantor(ids, s) : absent('chargesByGuarantor', ids),
    );
    return this.#chargesByGuarantor;
  }
  get paymentsByGuarantor() {
    this.#paymentsByGuarantor ??= this.make('paymentsByGuarantor', (a, ids, s) =>
      a.paymentsByGuarantor ? a.paymentsByGuarantor(ids, s) : absent('paymentsByGuarantor', ids),
    );
    return this.#paymentsByGuarantor;
  }
  get adjustmentsByGuarantor() {
    this.#adjustmentsByGuarantor ??= this.make('adjustmentsByGuarantor', (a, ids, s) =>
      a.adjustmentsByGuarantor ? a.adjustmentsByGuarantor(ids, s) : absent('adjustmentsByGuarantor', ids),
    );
    return this.#adjustmentsByGuarantor;
  }
  get claimsByGuarantor() {
    this.#claimsByGuarantor ??= this.make('claimsByGuarantor', (a, ids, s) =>
      a.claimsByGuarantor ? a.claimsByGuarantor(ids, s) : absent('claimsByGuarantor', ids),
    );
    return this.#claimsByGuarantor;
  }
  get guarantorBalances() {
    this.#guarantorBalances ??= this.make('guarantorBalances', (a, ids, s) => a.guarantorBalances(ids, s));
    return this.#guarantorBalances;
  }
  get insuranceBalances() {
    this.#insuranceBalances ??= this.make('insuranceBalances', (a, ids, s) => a.insuranceBalancesByGuarantor(ids, s));
    return this.#insuranceBalances;
  }
  get providers() {
    this.#providers ??= this.make('providers', (a, ids, s) => a.providers(ids, s));
    return this.#providers;
  }
  get procedures() {
    this.#procedures ??= this.make('procedures', (a, ids, s) => a.procedures(ids, s));
    return this.#procedures;
  }
  /**
   * A provider as a value when the practice's adapter already knows it (`cachedProvider`), else
   * `providers.load(key)`. A resolver that returns the value lets graphql-js complete the row
   * synchronously: no promise for the field and none for the row or its list (the bench's 3-level
   * document: 404 promises per request before, 243 after).
   */
  providerNow(key: PracticeKey): ProviderRecord | null | Promise<ProviderRecord | null> {
    const known = this.registry.get(key.practiceId)?.adapter.cachedProvider?.(key.id);
    return known === undefined ? this.providers.load(key) : known;
  }
  /** A procedure as a value when the adapter knows it (`cachedProcedure`), else `procedures.load(key)`. */
  procedureNow(key: PracticeKey): ProcedureRecord | null | Promise<ProcedureRecord | null> {
    const known = this.registry.get(key.practiceId)?.adapter.cachedProcedure?.(key.id);
    return known === undefined ? this.procedures.load(key) : known;
  }
  get copays() {
    this.#copays ??= this.make('copays', async (a, ids, s) => (a.copays ? a.copays(ids, s) : ids.map(() => null)));
    return this.#copays;
  }
  // Asked only where capabilities.coverage (resolvers/coverage.ts); an adapter without the method answers none.
  get coverages() {
    this.#coverages ??= this.make('coverages', async (a, ids, s) =>
      a.coveragesByPatient ? a.coveragesByPatient(ids, s) : ids.map(() => []),
    );
    return this.#coverages;
  }
  get patientPages() {
    this.#patientPages ??= new DataLoader(
      (keys: readonly { practiceId: string; first: number; after: string | null }[]) =>
        Promise.all(
          keys.map(async ({ practiceId, first, after }) => {
            const practice = this.registry.get(practiceId);
            if (!practice) return new Error(`unknown practice "${practiceId}"`);
            try {
              return await practice.adapter.listPatients({ first, after }, this.scope);
            } catch (error) {
              return toGraphQLError(error) as Error;
            }
          }),
        ),
      { cacheKeyFn: (key) => JSON.stringify([key.practiceId, key.first, key.after]) },
    );
    return this.#patientPages;
  }
  get paymentTypes() {
    this.#paymentTypes ??= practiceListLoader<PaymentTypeRecord>(this.registry, (a) => a.paymentTypes());
    return this.#paymentTypes;
  }
  get adjustmentTypes() {
    this.#adjustmentTypes ??= practiceListLoader<AdjustmentTypeRecord>(this.registry, (a) => a.adjustmentTypes());
    return this.#adjustmentTypes;
  }
}

export function createLoaders(registry: PracticeRegistry, observe?: BatchObserver): RequestLoaders {
  return new RequestLoaders(registry, observe);
}

export type Loaders = RequestLoaders;
