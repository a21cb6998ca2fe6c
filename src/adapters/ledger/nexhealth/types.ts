/** The connection and options of a NexHealth adapter (what the config hands to the factory). */
import type { UpstreamBudget } from '../../../upstream-budget';
import type { UpstreamCallEvent } from '../../http/upstream-call';

export type { NexhealthConnection } from './connection';

export type { UpstreamCallEvent } from '../../http/upstream-call';

export interface NexhealthAdapterOptions {
  /** Total time for one HTTP exchange (headers and body), in ms. Default `10000`. */
  timeoutMs?: number;
  /** Retries of a read after the first attempt (429, 5xx, network errors, timeouts, malformed bodies). Writes are never retried. Default `3`. */
  maxRetries?: number;
  /** Base of the jittered exponential backoff between read retries, in ms (`Retry-After` wins when sent). Default `200`. */
  retryBaseDelayMs?: number;
  /** `per_page` of list calls (NexHealth's maximum is 1000). Default `1000`. */
  perPage?: number;
  /** Upstream calls in flight at once for this adapter (also the pool's socket count). Default `24`: a family of up to 5 patients reads its four ledger lists and both balances in one wave. */
  concurrency?: number;
  /**
   * A by-patient batch (charges, payments, adjustments) larger than this is answered by ONE
   * location-wide scan (`updated_since=1970-01-01T00:00:00Z`, all pages) grouped by patient, instead of
   * one list call per patient. Default `8`.
   */
  locationScanThreshold?: number;
  /** How long payment/adjustment types, providers and procedures are cached, in ms; `0` disables the cache. Default `300000` (5 min). */
  referenceTtlMs?: number;
  /** Called after every upstream HTTP attempt (for metrics). Default: none. Exceptions it throws are ignored. */
  onUpstreamCall?: (e: UpstreamCallEvent) => void;
  /** The credential's upstream budget, shared with the other practices on the same key. Default: none. */
  upstreamBudget?: UpstreamBudget;
  /** The clock of the reference cache. Default `() => new Date()`. */
  now?: () => Date;
}

export const NEXHEALTH_API_VERSION = 'v20240412';

/** The options with every default filled in. */
export interface ResolvedNexhealthOptions {
  timeoutMs: number;
  maxRetries: number;
  retryBaseDelayMs: number;
  perPage: number;
  concurrency: number;
  locationScanThreshold: number;
  referenceTtlMs: number;
  onUpstreamCall: ((e: UpstreamCallEvent) => void) | null;
  upstreamBudget: UpstreamBudget | null;
  now: () => Date;
}

function nonNegativeInt(value: number | undefined, fallback: number, name: string, min = 0): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value < min) {
    throw new RangeError(`expected option ${name} to be a number ≥ ${min}, got ${value}`);
  }
  return Math.floor(value);
}

export function resolveOptions(options: NexhealthAdapterOptions = {}): ResolvedNexhealthOptions {
  return {
    timeoutMs: nonNegativeInt(options.timeoutMs, 10_000, 'timeoutMs', 1),
    maxRetries: nonNegativeInt(options.maxRetries, 3, 'maxRetries'),
    retryBaseDelayMs: nonNegativeInt(options.retryBaseDelayMs, 200, 'retryBaseDelayMs'),
    perPage: Math.min(1000, nonNegativeInt(options.perPage, 1000, 'perPage', 1)),
    concurrency: nonNegativeInt(options.concurrency, 24, 'concurrency', 1),
    locationScanThreshold: nonNegativeInt(options.locationScanThreshold, 8, 'locationScanThreshold'),
    referenceTtlMs: nonNegativeInt(options.referenceTtlMs, 300_000, 'referenceTtlMs'),
    onUpstreamCall: options.onUpstreamCall ?? null,
    upstreamBudget: options.upstreamBudget ?? null,
    now: options.now ?? (() => new Date()),
  };
}
