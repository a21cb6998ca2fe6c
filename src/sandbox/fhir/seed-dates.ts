/**
 * Seed dates relative to the day the sandbox starts, so that every seed stays inside the windows the
 * adapter reads (Epic's 24 months of EOBs, coverage periods covering today) whenever it runs.
 */
import { jsonNumber } from '../shared/wire-money';

export interface SeedClock {
  /** `YYYY-MM-DD`, `n` days before the start day (UTC). */
  daysAgo(n: number): string;
  /** `YYYY-MM-DDT10:00:00Z`, `n` days before the start day. */
  instantDaysAgo(n: number): string;
}

export function seedClock(nowMs: number): SeedClock {
  const day = (n: number) => new Date(nowMs - n * 86_400_000).toISOString().slice(0, 10);
  return { daysAgo: day, instantDaysAgo: (n) => `${day(n)}T10:00:00Z` };
}

/** `{value, currency: "USD"}` with the value as a JSON number (R4), from integer cents. */
export function money(cents: number): { value: number; currency: 'USD' } {
  return { value: jsonNumber(cents), currency: 'USD' };
}
