/**
 * What every part of the collection flow shares: the write path's context (store, ledger adapters,
 * clock, log, jobs, `move`/`publish`), the practices with their processors, the public URL and the
 * flow's own tuning. Plain functions take it first, as the write path's parts take theirs.
 */
import type { WritePathContext } from '../../transactions/context';
import type { PracticeRegistry } from '../../practices';

export interface CollectionFlowOptions {
  /**
   * How often an open checkout is read back from its processor, in case a webhook was missed.
   * Default 300 000 (5 min): a missed "paid" is noticed within 5 min at ~288 reads per checkout per
   * day; webhooks normally settle it within seconds.
   */
  watchIntervalMs?: number;
  /** Default checkout lifetime when `expiresInMinutes` is not given. Default 1440 (24 h, Stripe's longest). */
  defaultExpiresInMinutes?: number;
  /**
   * How often each practice's processor change list is read (`catch-up.ts`), to catch webhooks lost
   * in an outage. Default 300 000 (5 min): one list call per practice per 5 min; the first run is one
   * interval after start, so a restart costs no call.
   */
  catchUpIntervalMs?: number;
  /**
   * How far back the first catch-up of a practice (no cursor stored yet) reads. Default 86 400 000
   * (24 h, the longest a checkout stays open).
   */
  catchUpLookbackMs?: number;
}

export interface CollectionContext {
  readonly ctx: WritePathContext;
  readonly practices: PracticeRegistry;
  /** The gateway's public base URL (known once it listens): pay pages and webhook targets hang off it. */
  publicUrl(): string;
  readonly watchIntervalMs: number;
  readonly defaultExpiresInMinutes: number;
  readonly catchUpIntervalMs: number;
  readonly catchUpLookbackMs: number;
}

export const COLLECTION_DEFAULTS = {
  watchIntervalMs: 300_000,
  defaultExpiresInMinutes: 1_440,
  catchUpIntervalMs: 300_000,
  catchUpLookbackMs: 86_400_000,
} as const;

/** The attempt-th delay of the write path's retry list (1 s, 5 s, 15 s, 1 min, 5 min, the last repeating). */
export function retryDelay(flow: CollectionContext, attempt: number): number {
  const delays = flow.ctx.options.submitRetryDelaysMs;
  return delays[Math.min(Math.max(attempt - 1, 0), delays.length - 1)] ?? 1_000;
}
