/**
 * A vendor SDK loaded on first use instead of at start. Every vendor folder registers itself in
 * `registry.ts`, so a static `import … from 'square'` loads every SDK into every gateway, whatever its
 * config names: the processor and messaging SDKs together hold ≈ 63 MB of RSS (Square's alone ≈ 79 MB
 * in a fresh process, README "Memory"). Behind `lazySdk` a gateway pays for the SDKs of the systems
 * its practices use, when their adapter first calls out.
 *
 *     const intuit = lazySdk(() => import('intuit-oauth'));
 *     const OAuthClient = (await intuit.load()).default;   // imported once, shared by every caller
 *     if (intuit.isInstance((m) => m.default, value)) …     // sync: an SDK object means it is loaded
 *
 * Types stay static (`import type { SquareClient } from 'square'` costs nothing at run time).
 *
 * A CommonJS SDK that a synchronous caller may need first (the ports' `verifyWebhook` is synchronous,
 * and a webhook can arrive before any call) is `lazyRequire('stripe')`: the same surface plus `now()`,
 * which loads it on the spot; `require` and `import()` of a CommonJS package share Node's one module
 * cache, so there is one copy of the SDK and of its error classes either way.
 */
import { createRequire } from 'node:module';

export interface LazySdk<T> {
  /** The module, imported on the first call; every later call gets the same promise. */
  load(): Promise<T>;
  /** The module when `load` has resolved, else `undefined`: for synchronous checks such as `instanceof` on its errors. */
  loaded(): T | undefined;
  /** `value instanceof pick(module)` once loaded; before, `false` (no value of the SDK's classes can exist yet). */
  isInstance<C>(pick: (module: T) => abstract new (...args: never[]) => C, value: unknown): value is C;
}

/** A {@link LazySdk} that a synchronous caller can load on the spot. */
export interface SyncLazySdk<T> extends LazySdk<T> {
  /** The module, required now if it was not loaded yet (the first webhook of a process may come before any call). */
  now(): T;
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

const requireHere = createRequire(import.meta.url);

/** A CommonJS SDK by its package name, required on first use (see the top of this file). */
export function lazyRequire<T>(specifier: string): SyncLazySdk<T> {
  let module: T | undefined;
  // A require that throws (a missing package) leaves `module` unset: the next caller tries again.
  const now = (): T => {
    module ??= requireHere(specifier) as T;
    return module;
  };
  return {
    now,
    load: async () => now(),
    loaded: () => module,
    isInstance<C>(pick: (module: T) => abstract new (...args: never[]) => C, value: unknown): value is C {
      return module !== undefined && value instanceof pick(module);
    },
  };
}
