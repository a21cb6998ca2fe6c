import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fingerprint } from '../../../src/ledger/fingerprint';

const payment = (providerSplits: Array<{ id: string; amount: number }>, amount = -10000) => ({
  kind: 'PAYMENT',
  patientSourceId: '42',
  amount,
  currency: 'USD',
  typeSourceId: '7',
  providerSplits,
  chargeSplits: null,
  notes: null,
});

describe('fingerprint', () => {
  it('is the same for splits in another order', () => {
    const a = payment([
      { id: '7', amount: -6000 },
      { id: '9', amount: -4000 },
    ]);
    const b = payment([
      { id: '9', amount: -4000 },
      { id: '7', amount: -6000 },
    ]);
    expect(fingerprint(a)).toBe(fingerprint(b));
  });

  it('is the same for claim payments in another order', () => {
    const a = {
      claimPayments: [
        { claimId: '1005', amount: 100 },
        { claimId: '1001', amount: 4000 },
      ],
    };
    const b = {
      claimPayments: [
        { claimId: '1001', amount: 4000 },
        { claimId: '1005', amount: 100 },
      ],
    };
    expect(fingerprint(a)).toBe(fingerprint(b));
  });

  it('is the same for object keys in another order, at every depth', () => {
    const a = { b: 1, a: { y: [{ id: 'x', amount: 1 }], x: null } };
    const b = { a: { x: null, y: [{ amount: 1, id: 'x' }] }, b: 1 };
    expect(fingerprint(a)).toBe(fingerprint(b));
  });

  it('differs for different amounts, in the total or in a split', () => {
    const base = payment([
      { id: '7', amount: -6000 },
      { id: '9', amount: -4000 },
    ]);
    expect(
      fingerprint(
        payment(
          [
            { id: '7', amount: -6000 },
            { id: '9', amount: -4000 },
          ],
          -10001,
        ),
      ),
    ).not.toBe(fingerprint(base));
    expect(
      fingerprint(
        payment([
          { id: '7', amount: -6001 },
          { id: '9', amount: -3999 },
        ]),
      ),
    ).not.toBe(fingerprint(base));
    // The same amounts on other ids is another write.
    expect(
      fingerprint(
        payment([
          { id: '7', amount: -4000 },
          { id: '9', amount: -6000 },
        ]),
      ),
    ).not.toBe(fingerprint(base));
  });

  it('reads undefined as null, but a missing key is not a null one', () => {
    expect(fingerprint({ notes: undefined })).toBe(fingerprint({ notes: null }));
    expect(fingerprint({})).not.toBe(fingerprint({ notes: null }));
  });

  it('keeps the text stored with idempotency keys by earlier releases (splits by id, keys sorted)', () => {
    const text = fingerprint(
      payment([
        { id: '9', amount: -4000 },
        { id: '10', amount: -6000 },
      ]),
    );
    // '10' < '9' in code-unit order, as the resolvers always sorted them.
    expect(text).toBe(
      '{"amount":-10000,"chargeSplits":null,"currency":"USD","kind":"PAYMENT","notes":null,"patientSourceId":"42",' +
        '"providerSplits":[{"amount":-6000,"id":"10"},{"amount":-4000,"id":"9"}],"typeSourceId":"7"}',
    );
  });

  it('equals the earlier releases’ text for every input they fingerprinted: lists pre-sorted by id (property)', () => {
    // The earlier fingerprint: keys sorted, lists kept as given (the resolvers sorted splits by id first).
    const earlier = (value: unknown): string => {
      const canonical = (v: unknown): unknown => {
        if (Array.isArray(v)) return v.map(canonical);
        if (v && typeof v === 'object') {
          return Object.fromEntries(
            Object.keys(v)
              .sort()
              .map((k) => [k, canonical((v as Record<string, unknown>)[k])]),
          );
        }
        return v ?? null;
      };
      return JSON.stringify(canonical(value));
    };
    const byId = (a: { id: string }, b: { id: string }) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
    const splits = fc.uniqueArray(fc.record({ id: fc.string({ minLength: 1, maxLength: 6 }), amount: fc.integer() }), {
      selector: (s) => s.id,
      maxLength: 8,
    });
    fc.assert(
      fc.property(splits, fc.integer(), fc.option(fc.string()), (list, amount, notes) => {
        const input = { ...payment([...list].sort(byId), amount), notes };
        expect(fingerprint(input)).toBe(earlier(input));
      }),
    );
  });

  it('any permutation of a split list gives one text (property)', () => {
    const splits = fc.uniqueArray(fc.record({ id: fc.string({ minLength: 1, maxLength: 6 }), amount: fc.integer() }), {
      selector: (s) => s.id,
      maxLength: 8,
    });
    fc.assert(
      fc.property(splits, fc.func(fc.integer()), (list, rank) => {
        const shuffled = [...list].sort((a, b) => rank(a.id) - rank(b.id));
        expect(fingerprint({ providerSplits: shuffled })).toBe(fingerprint({ providerSplits: list }));
      }),
    );
  });
});
