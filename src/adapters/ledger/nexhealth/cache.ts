/**
 * A small TTL cache for reference data (types, providers, procedures), with in-flight sharing: two
 * concurrent misses for the same key cause one upstream call. Failures are not cached. A TTL of 0
 * disables caching (in-flight sharing stays).
 *
 *     const cache = new TtlCache<string, Provider | null>(300_000, () => new Date());
 *     const p = await cache.get('7', () => fetchProvider('7'));
 */
export class TtlCache<K, V> {
  private readonly values = new Map<K, { value: V; expiresAt: number }>();
  private readonly inflight = new Map<K, Promise<V>>();

  constructor(
    private readonly ttlMs: number,
    private readonly now: () => Date,
    /** Whether a loaded value may be cached (e.g. not a `null` "not found"). */
    private readonly cacheable: (value: V) => boolean = () => true,
  ) {}

  get(key: K, load: () => Promise<V>): Promise<V> {
    const hit = this.values.get(key);
    if (hit && hit.expiresAt > this.now().getTime()) return Promise.resolve(hit.value);
    if (hit) this.values.delete(key);
    const pending = this.inflight.get(key);
    if (pending) return pending;
    const loading = load().then(
      (value) => {
        this.inflight.delete(key);
        if (this.ttlMs > 0 && this.cacheable(value)) {
          this.values.set(key, { value, expiresAt: this.now().getTime() + this.ttlMs });
        }
        return value;
      },
      (err: unknown) => {
        this.inflight.delete(key);
        throw err;
      },
    );
    this.inflight.set(key, loading);
    return loading;
  }

  /** The value held for `key` if it is still fresh, without loading: `undefined` otherwise. */
  peek(key: K): V | undefined {
    const hit = this.values.get(key);
    return hit && hit.expiresAt > this.now().getTime() ? hit.value : undefined;
  }

  clear(): void {
    this.values.clear();
  }
}
