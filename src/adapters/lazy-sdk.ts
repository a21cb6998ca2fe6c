/**
 * A vendor SDK loaded on first use instead of at start. Every vendor folder registers itself in
 * `registry.ts`, so a static `import … from 'square'` loads every SDK into every gateway, whatever its
 * config names: the processor and messaging SDKs together hold ≈ 63 MB of RSS (Square's alone ≈ 79 MB
 * in a fresh process, README "Memory"). Behind `lazySdk` a gateway pays for the SDKs of the systems
 * its practices use, when their adapter first calls out.
 *
 *     const square = lazySdk(() => import('square'));
 *     const { SquareClient } = await square.load();       // imported once, shared by every caller
 *     if (square.isInstance((m) => m.SquareError, error)) …  // sync: an SDK error means it is loaded
 *
 * Types stay static (`import type { SquareClient } from 'square'` costs nothing at run time).
 */
export interface LazySdk<T> {
  /** The module, imported on the first call; every later call gets the same promise. */
  load(): Promise<T>;
  /** The module when `load` has resolved, else `undefined`: for synchronous checks such as `instanceof` on its errors. */
  loaded(): T | undefined;
  /** `value instanceof pick(module)` once loaded; before, `false` (no value of the SDK's classes can exist yet). */
  isInstance<C>(pick: (module: T) => abstract new (...args: never[]) => C, value: unknown): value is C;
}

export function lazySdk<T>(importer: () => Promise<T>): LazySdk<T> {
  let pending: Promise<T> | undefined;
  let module: T | undefined;
  return {
    load() {
      pending ??= importer().then(
        (loaded) => {
          module = loaded;
          return loaded;
        },
        (error: unknown) => {
          pending = undefined; // a failed import (a missing package) is retried by the next caller
          throw error;
        },
      );
      return pending;
    },
    loaded: () => module,
    isInstance<C>(pick: (module: T) => abstract new (...args: never[]) => C, value: unknown): value is C {
      return module !== undefined && value instanceof pick(module);
    },
  };
}
