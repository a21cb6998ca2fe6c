import { describe, expect, it } from 'vitest';
import { lazyRequire, lazySdk } from '../../src/adapters/lazy-sdk';

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

  it('lazyRequire loads a CommonJS package on now() or load(), one copy, and retries a missing one', async () => {
    const sdk = lazyRequire<typeof import('dataloader')>('dataloader');
    expect(sdk.loaded()).toBeUndefined();
    const now = sdk.now();
    expect(sdk.loaded()).toBe(now);
    expect(await sdk.load()).toBe(now);
    const Loader = now as unknown as new (batch: (keys: readonly string[]) => Promise<string[]>) => object;
    expect(sdk.isInstance((m) => m as unknown as typeof Loader, new Loader(async (keys) => [...keys]))).toBe(true);
    const missing = lazyRequire('no-such-package-ledger-gateway');
    expect(() => missing.now()).toThrow(/no-such-package-ledger-gateway/);
    expect(missing.loaded()).toBeUndefined();
    await expect(missing.load()).rejects.toThrow(/no-such-package-ledger-gateway/);
  });
});
