/**
 * A snapshot of one location-wide scan (guarantor balances, payments, patient names), kept by id and
 * refreshed with `updated_since` rather than read again whole:
 *
 * - the first read scans the location, page by page (`scanPages`), keeping each row in its compact
 *   form (`keep`);
 * - within `ttlMs` of the last read upstream, reads answer from the snapshot with no call at all;
 * - after that, or once `invalidate()`d (a write of the practice changed its status), the next read
 *   asks only for rows changed since the last scan began (less `overlapMs`, for the upstream's clock),
 *   usually one call, and merges them in (a removed id is dropped);
 * - concurrent reads share one scan or refresh in flight.
 *
 *     const snap = new ScanSnapshot({ list: (a) => adapter.listGuarantorBalances!(a), idOf: (r) => r.guarantorSourceId,
 *       keep: (r) => r, ttlMs: 30_000, perPage: 1000 });
 *     const rows = await snap.read(); // ReadonlyMap<id, row>
 */
import { scanPages, type Page, type ScanArgs } from '../adapters/ledger/port';

export interface ScanSnapshotOptions<T, K> {
  list: (args: ScanArgs) => Promise<Page<T> & { removedIds?: string[] }>;
  idOf: (row: T) => string;
  /** What the snapshot keeps of a row (drop what no report reads, to keep memory small). */
  keep: (row: T) => K;
  /** How long a snapshot answers without asking upstream for changes, in ms. */
  ttlMs: number;
  /** Rows per page (NexHealth: at most 1000). */
  perPage: number;
  /**
   * How far before the last scan's start a refresh asks for changes, in ms, so a row the upstream
   * stamped with a clock a little behind ours is not missed. Default `60000`.
   */
  overlapMs?: number;
  /** Clock in ms. Default `Date.now`. */
  now?: () => number;
  /** Runs each scan (e.g. in the reports' lane of the upstream budget). Default: as is. */
  run?: <R>(fn: () => Promise<R>) => Promise<R>;
}

export interface SnapshotStats {
  fullScans: number;
  refreshes: number;
  pages: number;
}

export class ScanSnapshot<T, K> {
  private rows: Map<string, K> | null = null;
  private scannedAt = 0;
  private stale = false;
  private inFlight: Promise<ReadonlyMap<string, K>> | null = null;
  private readonly now: () => number;
  readonly stats: SnapshotStats = { fullScans: 0, refreshes: 0, pages: 0 };

  constructor(private readonly options: ScanSnapshotOptions<T, K>) {
    this.now = options.now ?? Date.now;
  }

  /** The next read asks upstream for what changed (a write of the practice landed or failed). */
  invalidate(): void {
    this.stale = true;
  }

  /** The snapshot, refreshed first when it is older than its TTL or invalidated. */
  read(): Promise<ReadonlyMap<string, K>> {
    if (this.inFlight) return this.inFlight;
    if (this.rows && !this.stale && this.now() - this.scannedAt < this.options.ttlMs) return Promise.resolve(this.rows);
    const run = this.options.run ?? ((fn) => fn());
    const work = run(() => this.update());
    this.inFlight = work;
    const clear = () => {
      this.inFlight = null;
    };
    work.then(clear, clear);
    return work;
  }

  private async update(): Promise<ReadonlyMap<string, K>> {
    const startedAt = this.now();
    const refresh = this.rows !== null;
    this.stale = false;
    const since = refresh ? new Date(this.scannedAt - (this.options.overlapMs ?? 60_000)).toISOString() : null;
    // A refresh merges into a copy: a failed one leaves the snapshot as it was (and stale again).
    const rows = new Map(this.rows ?? []);
    try {
      for await (const page of scanPages(this.options.list, { perPage: this.options.perPage, updatedSince: since })) {
        this.stats.pages++;
        for (const id of page.removedIds ?? []) rows.delete(id);
        for (const row of page.items) rows.set(this.options.idOf(row), this.options.keep(row));
      }
    } catch (error) {
      if (refresh) this.stale = true;
      throw error;
    }
    if (refresh) this.stats.refreshes++;
    else this.stats.fullScans++;
    this.rows = rows;
    this.scannedAt = startedAt;
    return rows;
  }
}
