/** ApiKeyRing: `sha256:<hex>` keys, Bearer parsing, and a comparison that never exits early. */
import { createHash } from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';

const calls = vi.hoisted(() => ({ timingSafeEqual: 0 }));
vi.mock('node:crypto', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:crypto')>();
  return {
    ...real,
    timingSafeEqual: (a: NodeJS.ArrayBufferView, b: NodeJS.ArrayBufferView) => {
      calls.timingSafeEqual++;
      return real.timingSafeEqual(a, b);
    },
  };
});

const { ApiKeyRing, callerMayTouch } = await import('../../src/auth/api-keys');
const { parseConfig } = await import('../../src/config');

const sha = (key: string) => `sha256:${createHash('sha256').update(key, 'utf8').digest('hex')}`;
const key = (name: string, value: string, practices = ['smile-dental'], extra = {}) => ({
  name,
  key: value,
  practices,
  introspection: true,
  ...extra,
});

describe('ApiKeyRing', () => {
  const plain = 'plain-key-0000000000000001';
  const hashed = 'hashed-key-000000000000002';
  const ring = new ApiKeyRing([key('plain', plain), key('hashed', sha(hashed), ['*']), key('third', 'third-key-00000000000003')]);

  it('accepts a key configured as sha256:<hex> of it, and not the digest itself', () => {
    expect(ring.authenticate(`Bearer ${hashed}`)?.keyName).toBe('hashed');
    expect(ring.authenticate(`Bearer ${sha(hashed)}`)).toBeNull();
    expect(ring.authenticate(`Bearer ${sha(hashed).slice(7)}`)).toBeNull();
    expect(ring.authenticate(`Bearer ${hashed}`)?.practices).toBe('*');
  });

  it('parses Bearer case-insensitively, and refuses everything else', () => {
    expect(ring.authenticate(`bearer ${plain}`)?.keyName).toBe('plain');
    expect(ring.authenticate(`Bearer   ${plain}  `)?.keyName).toBe('plain');
    for (const header of [
      undefined,
      null,
      '',
      plain,
      `Basic ${plain}`,
      `Bearer ${plain} x`,
      `Bearer ${plain.toUpperCase()}`,
      `Bearer ${plain}\u0000`,
    ]) {
      expect(ring.authenticate(header as string | null | undefined), String(header)).toBeNull();
    }
  });

  it('compares against every configured key in constant time, whichever matches (no early exit)', () => {
    for (const header of [
      `Bearer ${plain}`,
      `Bearer ${hashed}`,
      'Bearer nothing-matches-at-all-000',
      `Bearer ${plain.slice(0, -1)}`,
    ]) {
      calls.timingSafeEqual = 0;
      ring.authenticate(header);
      expect(calls.timingSafeEqual, header).toBe(3);
    }
  });

  it('scopes practices', () => {
    const caller = ring.authenticate(`Bearer ${plain}`)!;
    expect(callerMayTouch(caller, 'smile-dental')).toBe(true);
    expect(callerMayTouch(caller, 'northside')).toBe(false);
    expect(callerMayTouch(caller, 'SMILE-DENTAL')).toBe(false);
  });

  it('the config refuses a malformed sha256 key (the ring would compare buffers of different lengths)', () => {
    const base = {
      practices: [
        {
          id: 'smile-dental',
          name: 'S',
          system: 'nexhealth',
          connection: { baseUrl: 'http://x', apiKey: 'k', subdomain: 's', locationId: '1' },
        },
      ],
    };
    for (const bad of ['sha256:abc', `sha256:${'A'.repeat(64)}`, `sha256:${'0'.repeat(63)}g`]) {
      expect(() => parseConfig({ ...base, apiKeys: [{ name: 'x', key: bad, practices: ['*'] }] }), bad).toThrow(/key/);
    }
    expect(() =>
      parseConfig({ ...base, apiKeys: [{ name: 'x', key: sha('a-long-enough-key-000'), practices: ['*'] }] }),
    ).not.toThrow();
  });
});
