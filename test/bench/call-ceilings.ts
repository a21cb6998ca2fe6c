/**
 * Upstream calls per operation may fall, never rise: the bench checks each operation's warm
 * (reference cache on) and cache-off counts against these ceilings, the best measured so far, and
 * fails after writing its results when one is exceeded. Lower a ceiling when a change earns it.
 */
import type { Operation } from './operations';

export interface CallCeiling {
  /** Warm: the reference cache on (default `referenceTtlMs`). */
  cacheOn: number;
  /** `referenceTtlMs: 0`: providers and procedures read on every operation. */
  cacheOff: number;
}

export const CALL_CEILINGS: Record<Operation['key'], CallCeiling> = {
  // The family read, its two A/R records and its four lists by guarantor_id (one level).
  family: { cacheOn: 7, cacheOff: 21 },
  practicePage: { cacheOn: 39, cacheOff: 39 },
  invoice: { cacheOn: 5, cacheOff: 12 },
};

/** The FHIR practice's operations (fhir-part.ts); its adapter has no reference cache, so one count each. */
export type FhirOperationKey = 'family' | 'invoice';

/**
 * open-fhir (generic profile), token / discovery / metadata (cached for minutes) not counted: the
 * family ledger is three batch Bundles (patients, dependents, ledgers), the invoice two (the
 * patient, her ledger).
 */
export const FHIR_CALL_CEILINGS: Record<FhirOperationKey, number> = {
  family: 3,
  invoice: 2,
};

/** What rose, one sentence per count above its ceiling (empty when none did). */
export function callCountRises(
  cacheOn: ReadonlyArray<{ key: Operation['key']; upstream: number }>,
  cacheOff: ReadonlyArray<{ key: Operation['key']; upstream: number }>,
): string[] {
  const rises: string[] = [];
  for (const [mode, results] of [
    ['cacheOn', cacheOn],
    ['cacheOff', cacheOff],
  ] as const) {
    for (const r of results) {
      const ceiling = CALL_CEILINGS[r.key][mode];
      if (r.upstream > ceiling) {
        rises.push(`${r.key} (${mode}): expected at most ${ceiling} upstream calls, measured ${r.upstream}`);
      }
    }
  }
  return rises;
}
