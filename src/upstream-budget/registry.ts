/**
 * Every credential's budget in this gateway, created next to the store: practices whose connections
 * name the same credential (system, base URL, secret) get handles on ONE budget. With a postgres://
 * store the buckets live in the store and every instance shares them; otherwise (memory://,
 * pglite://: one process) they live in memory.
 *
 *     const budgets = new UpstreamBudgetRegistry({ storeUrl: config.store.url });
 *     const handle = budgets.forPractice({ system: 'nexhealth', practiceId, connection, declaration });
 *     await budgets.close();
 */
import { createPgClient } from '../transactions/pg-client';
import type { SqlClient } from '../transactions/sql-client';
import { CredentialBudget } from './credential-budget';
import { credentialKey } from './credential-key';
import type { RateLimit, UpstreamLimits } from './declaration';
import { PgTokenSource } from './pg-token-source';
import type { RetryBudgetOptions } from './retry-budget';
import { LocalTokenSource, type TokenSource } from './token-source';
import { practiceBudget, type UpstreamBudget } from './upstream-budget';

export interface UpstreamBudgetRegistryOptions {
  /** The gateway's store URL: `postgres://…` shares the buckets through it. Default: in memory. */
  storeUrl?: string;
  /** The retry budget of each credential. Default: `RetryBudget`'s (20 % of first attempts over 10 s, at least 10). */
  retries?: RetryBudgetOptions;
  /**
   * Limits to use instead of a system's declared ones, by system (`{ nexhealth: [...] }`): a vendor
   * contract above the published limits, or a test's small sandbox limits. Default: none.
   */
  limitsBySystem?: Readonly<Record<string, readonly RateLimit[]>>;
  /** Clock in ms. Default `Date.now`. */
  now?: () => number;
}

export class UpstreamBudgetRegistry {
  private readonly budgets = new Map<string, CredentialBudget>();
  private sql: SqlClient | null = null;

  constructor(private readonly options: UpstreamBudgetRegistryOptions = {}) {}

  /** The handle of `practiceId` on its credential's budget (created at the first practice that uses it). */
  forPractice<Connection>(spec: {
    system: string;
    practiceId: string;
    connection: Connection;
    declaration: UpstreamLimits<Connection>;
  }): UpstreamBudget {
    const { baseUrl, secret } = spec.declaration.credential(spec.connection);
    const key = credentialKey(spec.system, baseUrl, secret);
    let budget = this.budgets.get(key);
    if (!budget) {
      const limits = this.options.limitsBySystem?.[spec.system] ?? spec.declaration.limits;
      budget = new CredentialBudget({
        limits,
        source: this.sourceFor(key, limits),
        retries: this.options.retries,
        now: this.options.now,
      });
      this.budgets.set(key, budget);
    }
    return practiceBudget(budget, spec.practiceId);
  }

  /** Calls waiting for a token, over every credential (metrics, tests). */
  get waiting(): number {
    let sum = 0;
    for (const budget of this.budgets.values()) sum += budget.waiting;
    return sum;
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.budgets.values()].map((b) => b.close()));
    this.budgets.clear();
    await this.sql?.close();
    this.sql = null;
  }

  private sourceFor(key: string, limits: readonly RateLimit[]): TokenSource | Promise<TokenSource> {
    const url = this.options.storeUrl ?? '';
    if (!/^postgres(ql)?:\/\//i.test(url)) return new LocalTokenSource(limits, this.options.now);
    // A small pool of its own: leases are short single statements, off the transaction store's pool.
    this.sql ??= createPgClient(url, { max: 2 });
    return PgTokenSource.open(this.sql, key, limits, { now: this.options.now });
  }
}
