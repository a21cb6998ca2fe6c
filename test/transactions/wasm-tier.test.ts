/**
 * The embedded store's WebAssembly tier (src/transactions/wasm-tier.ts): the V8 flag is set once,
 * before the first embedded store opens, only when `store.wasmTierUp` is off, and never for a
 * `postgres://` store. V8 has no way to read a flag back, so `node:v8`'s `setFlagsFromString` is
 * observed; what the flag buys is measured by test/bench/wasm-tier.ts and gateway-memory.ts.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

const setFlagsFromString = vi.fn<(flags: string) => void>();
vi.mock('node:v8', async (importOriginal) => ({ ...(await importOriginal<typeof import('node:v8')>()), setFlagsFromString }));

beforeEach(() => {
  setFlagsFromString.mockClear();
  vi.resetModules(); // each test starts with a process that has not chosen yet
});
afterEach(() => vi.resetModules());

describe('applyWasmTier', () => {
  it('keeps WebAssembly on Liftoff by default, once per process', async () => {
    const { applyWasmTier } = await import('../../src/transactions/wasm-tier');
    applyWasmTier();
    applyWasmTier({ tierUp: true }); // a later store cannot take it back
    expect(setFlagsFromString.mock.calls).toEqual([['--liftoff-only']]);
  });

  it('leaves V8 its tier-up when asked', async () => {
    const { applyWasmTier } = await import('../../src/transactions/wasm-tier');
    applyWasmTier({ tierUp: true });
    applyWasmTier();
    expect(setFlagsFromString).not.toHaveBeenCalled();
  });
});

describe('openStore', () => {
  it('sets the tier before a memory:// store compiles PGlite', async () => {
    const { openStore } = await import('../../src/transactions/open-store');
    const store = await openStore('memory://');
    try {
      expect(setFlagsFromString.mock.calls).toEqual([['--liftoff-only']]);
      expect((await store.sql.query<{ n: number }>('SELECT 1 AS n')).rows).toEqual([{ n: 1 }]);
    } finally {
      await store.close();
    }
  });

  it('does not touch V8 for a postgres:// store that fails to open', async () => {
    const { openStore } = await import('../../src/transactions/open-store');
    await expect(openStore('postgres://nobody:secret@127.0.0.1:1/none', { poolSize: 1 })).rejects.toThrow(/:\*\*\*@/);
    expect(setFlagsFromString).not.toHaveBeenCalled();
  });
});
