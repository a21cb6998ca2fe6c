/**
 * Each practice's accounting adapter (its books, `accounting` in the config), built once at start
 * through the registry's descriptors the way `messaging-adapters.ts` builds messaging ones: upstream
 * calls reported to the metrics and the debug log, the practice's handle on its accounting
 * credential's upstream budget (the system's `rateLimits`: QuickBooks counts per company), a
 * store-backed `RefreshTokenStore` for tokens that rotate (`src/transactions/refresh-tokens.ts`),
 * then a tracing span and a circuit breaker of its own (`<practiceId>/accounting`: an outage of the
 * books must not open the ledger's breaker).
 *
 *     const accounting = createAccountingAdapters({ practices: config.practices, sql: store.sql, factory });
 *     const books = accounting.accountingAdapterFor('smile-dental');   // null: the practice has no `accounting`
 *     const ids = accounting.accountingConfigFor('smile-dental');      // { system, depositAccountId, itemId, paymentMethodId? }
 */
import type { AccountingAdapter, RefreshTokenStore } from '../adapters/accounting/port';
import { accountingSystem } from '../adapters/registry';
import { type AdapterOptions, UPSTREAM_METHODS } from '../adapters/system';
import type { AccountingConfig, PracticeConfig } from '../config';
import type { Logger } from '../logging/logger';
import { withTracing } from '../observability/with-tracing';
import type { GatewayMetrics } from '../plugins/metrics';
import { type CircuitBreakerOptions, withCircuitBreaker } from '../resilience';
import { refreshTokenKey, storedRefreshTokens } from '../transactions/refresh-tokens';
import type { SqlExecutor } from '../transactions/sql-client';
import type { UpstreamBudgetRegistry } from '../upstream-budget';
import { upstreamWiring } from './upstream-wiring';

/** Builds a practice's accounting adapter, or `null` when its config has no `accounting`. */
export type AccountingAdapterFactory = (practice: PracticeConfig, refreshTokens: RefreshTokenStore) => AccountingAdapter | null;

/** The practice's accounting ids beside the connection, as the booking sends them. */
export type AccountingSettings = Omit<AccountingConfig, 'connection'>;

/** The default factory: the system the practice's `accounting.system` names, through the registry. */
export function defaultAccountingAdapterFactory(
  options: Pick<AdapterOptions, 'retryBaseDelayMs' | 'maxRetries' | 'timeoutMs'> = {},
  metrics?: GatewayMetrics,
  logger?: Logger,
  budgets?: UpstreamBudgetRegistry,
): AccountingAdapterFactory {
  return (practice, refreshTokens) => {
    const entry = practice.accounting;
    if (!entry) return null;
    const descriptor = accountingSystem(entry.system);
    const wiring = upstreamWiring(
      {
        practiceId: practice.id,
        system: entry.system,
        connection: entry.connection,
        rateLimits: descriptor.rateLimits,
        message: 'accounting upstream call',
      },
      { metrics, logger, budgets },
    );
    return descriptor.createAdapter(entry.connection, { ...options, ...wiring, refreshTokens });
  };
}

export interface AccountingAdapters {
  /** The practice's books (decorated), or `null` when its config has no `accounting`. */
  accountingAdapterFor(practiceId: string): AccountingAdapter | null;
  /** The practice's `accounting` ids (deposit account, item, payment method), or `null`. */
  accountingConfigFor(practiceId: string): AccountingSettings | null;
  close(): Promise<void>;
}

export interface AccountingAdaptersOptions {
  practices: readonly PracticeConfig[];
  /** The store's database (the refresh-token rows). */
  sql: SqlExecutor;
  factory: AccountingAdapterFactory;
  /** The breaker around each adapter; `false` for none. Default: the breaker's own defaults. */
  circuitBreaker?: Omit<CircuitBreakerOptions, 'name' | 'onStateChange'> | false;
  metrics?: GatewayMetrics;
}

/** Every practice's accounting adapter, built once (see the header). */
export function createAccountingAdapters(options: AccountingAdaptersOptions): AccountingAdapters {
  const methods = UPSTREAM_METHODS.accounting;
  const adapters = new Map<string, AccountingAdapter>();
  const settings = new Map<string, AccountingSettings>();
  // One token store per connection: practices on one QuickBooks company share its row and its object.
  const tokenStores = new Map<string, RefreshTokenStore>();
  for (const practice of options.practices) {
    if (!practice.accounting) continue;
    const { connection, ...ids } = practice.accounting;
    const key = refreshTokenKey(practice.accounting.system, connection);
    const refreshTokens = tokenStores.get(key) ?? storedRefreshTokens(options.sql, key);
    tokenStores.set(key, refreshTokens);
    const adapter = options.factory(practice, refreshTokens);
    if (!adapter) continue;
    const traced = withTracing(adapter, { practiceId: practice.id, methods });
    const name = `${practice.id}/accounting`;
    let decorated = traced;
    if (options.circuitBreaker !== false) {
      options.metrics?.setCircuitState(name, 'closed');
      decorated = withCircuitBreaker(traced, {
        ...options.circuitBreaker,
        name,
        methods,
        onStateChange: (state) => options.metrics?.setCircuitState(name, state),
      });
    }
    adapters.set(practice.id, decorated);
    settings.set(practice.id, ids);
  }
  return {
    accountingAdapterFor: (practiceId) => adapters.get(practiceId) ?? null,
    accountingConfigFor: (practiceId) => settings.get(practiceId) ?? null,
    async close() {
      await Promise.allSettled([...adapters.values()].map((adapter) => adapter.close()));
    },
  };
}
