/**
 * A DataLoader cache that remembers what each of its promises resolved to, so that a key the request
 * already holds can be answered as a value (`loadNow`) instead of a promise. graphql-js completes a
 * synchronous answer in place; a promise costs it a `then` and a `Promise.all` over the enclosing
 * row and list. The rows of a ledger ask for each other's lists (a charge's `patientAmount` and
 * `claim` read the patient's claims), so in a family ledger most such reads find their list loaded.
 *
 *     const claims = practiceLoader('claims', ..., { settled: true });
 *     const stages = whenKnown(loadNow(claims, key), claimStageLookup);   // a value once claims arrived
 *
 * Why the cache map and not the batch function: the value is tied to the very promise the loader
 * holds for the key (primed promises included, as ledger-prefetch.ts primes a family's per-patient
 * lists), so `clear` and `prime` keep it right with no bookkeeping of their own. It costs one `then`
 * per key per request, which is why only the loaders that rows read back use it.
 */
import type DataLoader from 'dataloader';
import type { MaybePromise } from './maybe-promise';

export class SettledCache<V> extends Map<string, Promise<V>> {
  /**
   * What each promise held resolved to. A plain Map, not a WeakMap: the cache lives as long as its
   * request's loader, and a WeakMap's entries cost the garbage collector more on every request.
   */
  private readonly resolved = new Map<Promise<V>, V>();

  override set(key: string, promise: Promise<V>): this {
    const replaced = super.get(key);
    if (replaced !== undefined && replaced !== promise) this.resolved.delete(replaced);
    super.set(key, promise);
    // A rejection stays the loader's to report (load() hands out the same promise): ignored here.
    // A promise no longer held (cleared or replaced before it resolved) is not kept.
    promise.then(
      (value) => {
        if (super.get(key) === promise) this.resolved.set(promise, value);
      },
      () => undefined,
    );
    return this;
  }

  override delete(key: string): boolean {
    const promise = super.get(key);
    if (promise) this.resolved.delete(promise);
    return super.delete(key);
  }

  override clear(): void {
    this.resolved.clear();
    super.clear();
  }

  /** The promise held for `key` while it is still pending; `undefined` once settled or when none is held. */
  pending(key: string): Promise<V> | undefined {
    const promise = super.get(key);
    return promise && !this.resolved.has(promise) ? promise : undefined;
  }

  /** `[value]` when the promise held for `key` has resolved, `undefined` while it has not (or failed). */
  settled(key: string): [V] | undefined {
    const promise = super.get(key);
    return promise && this.resolved.has(promise) ? [this.resolved.get(promise) as V] : undefined;
  }
}

const caches = new WeakMap<object, { cache: SettledCache<unknown>; keyOf: (key: never) => string }>();

/** Register `loader`'s cache (made with `cacheMap: cache`) for `loadNow`. */
export function withSettledCache<K, V, L extends DataLoader<K, V, string>>(
  loader: L,
  cache: SettledCache<V>,
  keyOf: (key: K) => string,
): L {
  caches.set(loader, { cache: cache as SettledCache<unknown>, keyOf: keyOf as (key: never) => string });
  return loader;
}

/**
 * `loader.load(key)`, or the value itself when the loader already holds it resolved (a loader made
 * without a SettledCache always answers the promise).
 */
export function loadNow<K, V>(loader: DataLoader<K, V, string>, key: K): MaybePromise<V> {
  const registered = caches.get(loader);
  const hit = registered?.cache.settled(registered.keyOf(key as never)) as [V] | undefined;
  return hit ? hit[0] : loader.load(key);
}

/**
 * Once the loader's read of `key`, if the request has started it, has settled (its failure left to
 * whoever reads it); at once when it has not been asked for or is already in. For a list whose rows
 * read another list back (a charge's patient amount reads the claims): waiting for both before the
 * rows are returned lets every row complete synchronously, instead of each row waiting on its own.
 */
export function afterHeld<K, V>(loader: DataLoader<K, V, string>, key: K): Promise<void> | undefined {
  const registered = caches.get(loader);
  const pending = registered?.cache.pending(registered.keyOf(key as never));
  return pending?.then(
    () => undefined,
    () => undefined,
  );
}
