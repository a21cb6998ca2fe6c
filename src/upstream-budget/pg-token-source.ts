/**
 * A credential's buckets in PostgreSQL, shared by every gateway instance on a postgres:// store. Each
 * limit is one row holding a token bucket (tokens, last refill, pause); an instance leases a small
 * block of tokens with ONE `UPDATE … RETURNING` (the row lock orders concurrent leases) and spends
 * them locally (a block of one by default, see `leaseSize`). A leased token is spent for the whole fleet whether or not this instance uses it, so
 * the instances together never exceed the limit; a 429 pauses every row of the credential.
 *
 *     const source = await PgTokenSource.open(sql, credential, limits);
 *     await source.take(['per-second', 'patients-per-minute']); // 0 → spent
 */
import { applyMigrations, type Migration } from '../transactions/migration-runner';
import type { SqlClient } from '../transactions/sql-client';
import { bucketShape, type BucketShape, type RateLimit } from './declaration';
import type { TokenSource } from './token-source';

/**
 * The bucket table, versioned like the store's own tables (one list, one advisory lock, each version
 * once across instances: src/transactions/migration-runner.ts). Append a version; never edit one.
 */
export const UPSTREAM_BUDGET_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'upstream budget buckets, one row per credential and limit',
    statements: [
      `CREATE TABLE upstream_budget_buckets (
         credential text NOT NULL,
         limit_name text NOT NULL,
         tokens double precision NOT NULL,
         updated_ms double precision NOT NULL,
         paused_until_ms double precision NOT NULL DEFAULT 0,
         last_grant integer NOT NULL DEFAULT 0,
         PRIMARY KEY (credential, limit_name)
       )`,
    ],
  },
];

// SET expressions all read the row as it was before the update, so `avail` is computed once per row
// version, and a concurrent lease re-evaluates it on the version it waited for.
const AVAIL = 'LEAST($3::float8, tokens + GREATEST(0, $5::float8 - updated_ms) * $4::float8)';
const GRANT = `CASE WHEN paused_until_ms <= $5::float8 THEN LEAST($6::int, FLOOR(${AVAIL})::int) ELSE 0 END`;
const LEASE = `UPDATE upstream_budget_buckets
   SET last_grant = ${GRANT},
       tokens = ${AVAIL} - ${GRANT},
       updated_ms = GREATEST(updated_ms, $5::float8)
 WHERE credential = $1 AND limit_name = $2
 RETURNING last_grant, tokens, paused_until_ms`;

export interface PgTokenSourceOptions {
  /** Clock in ms (instances' clocks are NTP-close; a step back never adds tokens). Default `Date.now`. */
  now?: () => number;
  /**
   * Tokens leased at once per limit. Default `1`: a token is leased when the call is about to be
   * sent, so the fleet's calls in any window are exactly what the shared bucket allows. A block of
   * `k` saves round trips, but a token leased before a window and spent inside it may then push that
   * window past the limit by up to `k − 1` per instance.
   */
  leaseSize?: (shape: BucketShape) => number;
}

export class PgTokenSource implements TokenSource {
  private readonly shapes = new Map<string, BucketShape>();
  private readonly leased = new Map<string, number>();
  private pausedUntil = 0;
  private readonly now: () => number;

  private constructor(
    private readonly sql: SqlClient,
    private readonly credential: string,
    limits: readonly RateLimit[],
    private readonly options: PgTokenSourceOptions,
  ) {
    this.now = options.now ?? Date.now;
    for (const limit of limits) {
      this.shapes.set(limit.name, bucketShape(limit));
      this.leased.set(limit.name, 0);
    }
  }

  /** Migrate the table if needed and create the credential's rows (full buckets) if they are new. */
  static async open(sql: SqlClient, credential: string, limits: readonly RateLimit[], options: PgTokenSourceOptions = {}) {
    const source = new PgTokenSource(sql, credential, limits, options);
    await applyMigrations(sql, {
      table: 'upstream_budget_schema_migrations',
      lockKey: 7_381_946_025_117,
      what: 'the upstream budget table',
      migrations: UPSTREAM_BUDGET_MIGRATIONS,
    });
    for (const [name, shape] of source.shapes) {
      await sql.query(
        `INSERT INTO upstream_budget_buckets (credential, limit_name, tokens, updated_ms)
         VALUES ($1, $2, $3, $4) ON CONFLICT (credential, limit_name) DO NOTHING`,
        [credential, name, shape.capacity, source.now()],
      );
    }
    return source;
  }

  async take(names: readonly string[]): Promise<number> {
    const paused = this.pausedUntil - this.now();
    if (paused > 0) return paused;
    for (const name of names) {
      if (this.leased.get(name)! >= 1) continue;
      const wait = await this.lease(name);
      if (wait > 0) return wait;
    }
    for (const name of names) this.leased.set(name, this.leased.get(name)! - 1);
    return 0;
  }

  /** The shared bucket paces by grant time (its burst bounds what arrives together): nothing to do. */
  finish(): void {}

  async pause(untilMs: number): Promise<void> {
    this.pausedUntil = Math.max(this.pausedUntil, untilMs);
    await this.sql.query(
      'UPDATE upstream_budget_buckets SET paused_until_ms = GREATEST(paused_until_ms, $2::float8) WHERE credential = $1',
      [this.credential, untilMs],
    );
  }

  async close(): Promise<void> {}

  /** Lease a block for `name`: 0 when some tokens arrived, else the ms until the shared bucket has one. */
  private async lease(name: string): Promise<number> {
    const shape = this.shapes.get(name)!;
    const size = Math.max(1, Math.floor(this.options.leaseSize?.(shape) ?? 1));
    const now = this.now();
    const { rows } = await this.sql.query<{ last_grant: number; tokens: number; paused_until_ms: number }>(LEASE, [
      this.credential,
      name,
      shape.capacity,
      shape.refillPerMs,
      now,
      size,
    ]);
    const row = rows[0];
    if (!row) throw new Error(`upstream budget: no bucket row for ${name} (expected open() to create it)`);
    const granted = Number(row.last_grant);
    if (granted > 0) {
      this.leased.set(name, this.leased.get(name)! + granted);
      return 0;
    }
    const pausedUntil = Number(row.paused_until_ms);
    if (pausedUntil > now) {
      this.pausedUntil = Math.max(this.pausedUntil, pausedUntil);
      return pausedUntil - now;
    }
    return Math.max(1, Math.ceil((1 - Number(row.tokens)) / shape.refillPerMs));
  }
}
