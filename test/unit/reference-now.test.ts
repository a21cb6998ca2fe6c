/**
 * `loaders.providerNow` / `procedureNow` (src/graphql/loaders.ts): the value itself when the
 * practice's adapter knows it (its `cachedProvider` / `cachedProcedure`), so a resolver can complete
 * a row without a promise; the loader's promise, batched, when it does not.
 */
import { describe, expect, it } from 'vitest';
import type { LedgerAdapter, ProviderRecord } from '../../src/adapters/ledger/port';
import { createLoaders } from '../../src/graphql/loaders';
import { whenAllKnown, whenKnown } from '../../src/graphql/maybe-promise';
import type { PracticeRegistry } from '../../src/practices';

function loadersOver(adapter: Partial<LedgerAdapter>) {
  const practice = { id: 'p', adapter: adapter as LedgerAdapter };
  const registry = { get: (id: string) => (id === 'p' ? practice : undefined) } as unknown as PracticeRegistry;
  return createLoaders(registry);
}

describe('providerNow / procedureNow', () => {
  const known: ProviderRecord = { sourceId: '5', name: 'Dr. Who' };

  it('answers a value, not a promise, for what the adapter knows (null included), and reads nothing', () => {
    const asked: string[][] = [];
    const loaders = loadersOver({
      cachedProvider: (id) => (id === '5' ? known : id === '0' ? null : undefined),
      providers: async (ids) => {
        asked.push([...ids]);
        return ids.map(() => null);
      },
    });
    expect(loaders.providerNow({ practiceId: 'p', id: '5' })).toBe(known);
    expect(loaders.providerNow({ practiceId: 'p', id: '0' })).toBeNull();
    expect(asked).toEqual([]);
  });

  it('falls back to the loader, batched, for what it does not know, or when the adapter declares nothing', async () => {
    const asked: string[][] = [];
    const loaders = loadersOver({
      cachedProvider: () => undefined,
      providers: async (ids) => {
        asked.push([...ids]);
        return ids.map((id) => ({ sourceId: id, name: `provider ${id}` }));
      },
      procedures: async (ids) => ids.map((id) => ({ sourceId: id, code: `D${id}`, name: null })),
    });
    const a = loaders.providerNow({ practiceId: 'p', id: '7' });
    const b = loaders.providerNow({ practiceId: 'p', id: '8' });
    const c = loaders.procedureNow({ practiceId: 'p', id: '9' });
    expect(a).toBeInstanceOf(Promise);
    expect(c).toBeInstanceOf(Promise);
    expect(await Promise.all([a, b, c])).toEqual([
      { sourceId: '7', name: 'provider 7' },
      { sourceId: '8', name: 'provider 8' },
      { sourceId: '9', code: 'D9', name: null },
    ]);
    expect(asked).toEqual([['7', '8']]);
  });
});

describe('whenKnown', () => {
  it('maps a known value at once and a promised one when it arrives; a rejection passes through', async () => {
    expect(whenKnown(2, (n) => n * 3)).toBe(6);
    const later = whenKnown(Promise.resolve(2), (n) => n * 3);
    expect(later).toBeInstanceOf(Promise);
    expect(await later).toBe(6);
    await expect(whenKnown(Promise.reject(new Error('upstream down')), (n: number) => n)).rejects.toThrow('upstream down');
  });
});

describe('whenAllKnown', () => {
  it('maps known values at once, waits when any is promised, and passes the first rejection on', async () => {
    expect(whenAllKnown([1, 2] as const, ([a, b]) => a + b)).toBe(3);
    const later = whenAllKnown([1, Promise.resolve(2)] as const, ([a, b]) => a + b);
    expect(later).toBeInstanceOf(Promise);
    expect(await later).toBe(3);
    // A map that itself answers a promise is flattened.
    expect(await whenAllKnown([Promise.resolve(1)] as const, ([a]) => Promise.resolve(a * 10))).toBe(10);
    await expect(whenAllKnown([1, Promise.reject(new Error('claims down'))] as const, ([a]) => a)).rejects.toThrow('claims down');
  });
});
