/**
 * How V8 compiles the embedded store's WebAssembly (PGlite's PostgreSQL, one module of ≈ 9 MB).
 *
 * V8 compiles a WebAssembly function on its first call with Liftoff, its one-pass baseline
 * compiler, and recompiles the hot ones with TurboFan on background threads ("tier-up"). Each of
 * those threads allocates its compiler's working memory from its own glibc malloc arena; freed,
 * that memory mostly stays in the arena, so the gateway's process kept ≈ 70–80 MB RSS for
 * compilations long finished (test/bench/gateway-memory.ts, README "Memory": 281–301 MB after start
 * with tier-up, 220–227 without; the arenas showed in `/proc/PID/smaps` as anonymous 64 MB-aligned
 * mappings).
 *
 * The store's statements spend their time in PostgreSQL's planner and executor over a few small
 * rows, and in the JavaScript around each call, not in tight WebAssembly loops: a transaction of an
 * INSERT and a SELECT measured the same within the machine's noise either way, and so did undici's
 * HTTP parser (llhttp, also WebAssembly, compiled after this is set). So the default keeps every
 * WebAssembly function on Liftoff; `store.wasmTierUp: true` leaves V8's default.
 *
 * The setting is V8's, so it is the process's: it applies to every WebAssembly module compiled
 * after the first store opens, and a later store cannot take it back. It is set before the first
 * PGlite compiles its module, the only point where it decides anything for the store.
 *
 *     applyWasmTier({ tierUp: config.store.wasmTierUp });   // before the first `new PGlite(...)`
 */
import { setFlagsFromString } from 'node:v8';

export interface WasmTierOptions {
  /** Let V8 recompile hot WebAssembly functions with TurboFan (default `false`: Liftoff only). */
  tierUp?: boolean;
}

let applied = false;

/** Choose the process's WebAssembly tier once, before the first store compiles PGlite; later calls do nothing. */
export function applyWasmTier(options: WasmTierOptions = {}): void {
  if (applied) return;
  applied = true;
  if (!options.tierUp) setFlagsFromString('--liftoff-only');
}
