/**
 * `createLoaders` (src/graphql/loaders.ts): one request's loaders, each built on first use and the
 * same one on every use after (a second instance would neither batch with the first nor share its
 * cache), and `usedList` telling which per-patient lists the request has touched without building any.
 */
import { describe, expect, it } from 'vitest';
import type { LedgerAdapter } from '../../src/adapters/ledger/port';
import { createLoaders } from '../../src/graphql/loaders';
import type { PracticeRegistry } from '../../src/practices';

function loadersOver(adapter: Partial<LedgerAdapter>) {
  const practice = { id: 'p', adapter: adapter as LedgerAdapter };
  const registry = { get: (id: string) => (id === 'p' ? practice : undefined) } as unknown as PracticeRegistry;
  return createLoaders(registry);
}

const LOADERS = [
  'patients',
  'families',
  'charges',
  'payments',
  'adjustments',
  'claims',
  'chargesByGuarantor',
  'paymentsByGuarantor',
  'adjustmentsByGuarantor',
  'claimsByGuarantor',
  'guarantorBalances',
  'insuranceBalances',
  'providers',
  'procedures',
  'copays',
  'coverages',
  'patientPages',
  'paymentTypes',
  'adjustmentTypes',
] as const;

describe('a request’s loaders', () => {
  it('are each one instance for the whole request, and another request’s are others', () => {
    const first = loadersOver({});
    const second = loadersOver({});
    for (const name of LOADERS) {
      expect(first[name], name).toBe(first[name]);
      expect(first[name], name).not.toBe(second[name]);
    }
  });

  it('batch the keys asked in one tick into one adapter call, through the same instance', async () => {
    const calls: string[][] = [];
    const loaders = loadersOver({
      chargesByPatient: async (ids) => {
        calls.push([...ids]);
        return ids.map(() => []);
      },
    });
    await Promise.all(['1', '2', '3'].map((id) => loaders.charges.load({ practiceId: 'p', id })));
    expect(calls).toEqual([['1', '2', '3']]);
  });

  it('usedList names only the lists the request has asked for, and builds none', () => {
    const loaders = loadersOver({});
    for (const list of ['charges', 'payments', 'adjustments', 'claims'] as const) expect(loaders.usedList(list)).toBeUndefined();
    const claims = loaders.claims;
    expect(loaders.usedList('claims')).toBe(claims);
    for (const list of ['charges', 'payments', 'adjustments'] as const) expect(loaders.usedList(list)).toBeUndefined();
  });
});
