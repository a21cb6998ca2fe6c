/**
 * `loadNow` / `afterHeld` over a loader with a SettledCache (src/graphql/settled-cache.ts): a key
 * the request holds resolved is answered as a value, tied to the very promise the loader holds, so
 * `clear` and `prime` keep the answer right; anything else goes through the loader as before.
 */
import DataLoader from 'dataloader';
import { describe, expect, it } from 'vitest';
import { afterHeld, loadNow, SettledCache, withSettledCache } from '../../src/graphql/settled-cache';

function loader(answer: (key: string) => string | Error = (key) => `value of ${key}`) {
  const batches: string[][] = [];
  const cache = new SettledCache<string>();
  const l = new DataLoader<string, string, string>(
    async (keys) => {
      batches.push([...keys]);
      return keys.map(answer);
    },
    { cacheMap: cache },
  );
  return { loader: withSettledCache(l, cache, (key: string) => key), batches };
}

describe('loadNow', () => {
  it('answers the promise until the value is in, then the value itself, from one read', async () => {
    const { loader: l, batches } = loader();
    const first = loadNow(l, 'a');
    expect(first).toBeInstanceOf(Promise);
    expect(await first).toBe('value of a');
    expect(loadNow(l, 'a')).toBe('value of a');
    expect(batches).toEqual([['a']]);
  });

  it('follows clear and prime: a cleared key is read again, a primed value is answered', async () => {
    const { loader: l, batches } = loader();
    await l.load('a');
    l.clear('a');
    const again = loadNow(l, 'a');
    expect(again).toBeInstanceOf(Promise);
    await again;
    expect(batches).toEqual([['a'], ['a']]);
    l.prime('b', 'primed b');
    await l.load('b');
    expect(loadNow(l, 'b')).toBe('primed b');
  });

  it('never answers a failed read as a value: the rejection comes again from the loader', async () => {
    const { loader: l } = loader(() => new Error('upstream down'));
    await expect(l.load('a')).rejects.toThrow('upstream down');
    const again = loadNow(l, 'a');
    expect(again).toBeInstanceOf(Promise);
    await expect(again).rejects.toThrow('upstream down');
  });

  it('is the plain load for a loader without a SettledCache', async () => {
    const plain = new DataLoader<string, string>(async (keys) => keys.map((k) => k.toUpperCase()));
    await plain.load('a');
    const answer = loadNow(plain, 'a');
    expect(answer).toBeInstanceOf(Promise);
    expect(await answer).toBe('A');
  });
});

describe('afterHeld', () => {
  it('is undefined for a key not asked for, or already in', async () => {
    const { loader: l } = loader();
    expect(afterHeld(l, 'a')).toBeUndefined();
    await l.load('a');
    expect(afterHeld(l, 'a')).toBeUndefined();
  });

  it('waits for a read in flight and does not fail with it (its failure is its readers’)', async () => {
    const { loader: l } = loader(() => new Error('upstream down'));
    const read = l.load('a');
    read.catch(() => undefined);
    const waiting = afterHeld(l, 'a');
    expect(waiting).toBeInstanceOf(Promise);
    await expect(waiting).resolves.toBeUndefined();
    await expect(read).rejects.toThrow('upstream down');
  });

  it('keeps no value for a promise cleared or replaced before it resolved, and drops one on delete', async () => {
    const cache = new SettledCache<string>();
    const kept = () => (cache as unknown as { resolved: Map<unknown, unknown> }).resolved.size;
    let resolveFirst!: (v: string) => void;
    const first = new Promise<string>((resolve) => {
      resolveFirst = resolve;
    });
    cache.set('a', first);
    cache.delete('a'); // cleared while in flight
    resolveFirst('late');
    await first;
    expect(kept()).toBe(0);
    expect(cache.settled('a')).toBeUndefined();

    const old = Promise.resolve('old');
    cache.set('b', old);
    await old;
    expect(cache.settled('b')).toEqual(['old']);
    const fresh = Promise.resolve('fresh');
    cache.set('b', fresh); // primed anew: the old value goes with its promise
    await fresh;
    expect(cache.settled('b')).toEqual(['fresh']);
    expect(kept()).toBe(1);
    cache.delete('b');
    expect(kept()).toBe(0);
  });
});
