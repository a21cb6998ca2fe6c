import { describe, expect, it } from 'vitest';
import { lazySdk } from '../../src/adapters/lazy-sdk';

describe('lazySdk', () => {
  it('imports on the first load only, shares the promise, and reports the module once loaded', async () => {
    let imports = 0;
    const sdk = lazySdk(async () => {
      imports += 1;
      return { Client: class Client {} };
    });
    expect(imports).toBe(0);
    expect(sdk.loaded()).toBeUndefined();
    const [a, b] = await Promise.all([sdk.load(), sdk.load()]);
    expect(imports).toBe(1);
    expect(a).toBe(b);
    expect(sdk.loaded()).toBe(a);
    await sdk.load();
    expect(imports).toBe(1);
  });

  it('retries an import that failed', async () => {
    let attempts = 0;
    const sdk = lazySdk(async () => {
      attempts += 1;
      if (attempts === 1) throw new Error('Cannot find package');
      return { ok: true };
    });
    await expect(sdk.load()).rejects.toThrow('Cannot find package');
    expect(sdk.loaded()).toBeUndefined();
    await expect(sdk.load()).resolves.toEqual({ ok: true });
    expect(attempts).toBe(2);
  });

  it('isInstance is false before the load and instanceof after it', async () => {
    class SdkError extends Error {}
    const sdk = lazySdk(async () => ({ SdkError }));
    const error = new SdkError('429');
    expect(sdk.isInstance((m) => m.SdkError, error)).toBe(false);
    await sdk.load();
    expect(sdk.isInstance((m) => m.SdkError, error)).toBe(true);
    expect(sdk.isInstance((m) => m.SdkError, new Error('other'))).toBe(false);
  });
});
