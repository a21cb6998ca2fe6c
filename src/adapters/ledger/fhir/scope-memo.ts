/**
 * Per-operation memo of keyed reads: keys already asked in this request scope share the first
 * answer, and the missing ones are fetched together (one batch upstream). Never shared across
 * operations (the scope is made per GraphQL operation).
 *
 *     const rows = await memoized(scope, 'fhir:g:ledger', ids, async (missing) => missing.map(fetchOne));
 */
import type { RequestScope } from '../port';
import { toError } from '../nexhealth/per-key';

export async function memoized<T>(
  scope: RequestScope,
  prefix: string,
  ids: readonly string[],
  fetchMissing: (missing: string[]) => Promise<Array<Promise<T>>>,
): Promise<Array<T | Error>> {
  const missing = [...new Set(ids)].filter((id) => !scope.memo.has(`${prefix}:${id}`));
  if (missing.length > 0) {
    const all = fetchMissing(missing);
    missing.forEach((id, i) => {
      const one = all.then((list) => list[i]!);
      one.catch(() => undefined); // observed below; avoid an unhandled rejection in the meantime
      scope.memo.set(`${prefix}:${id}`, one);
    });
  }
  const settled = await Promise.allSettled(ids.map((id) => scope.memo.get(`${prefix}:${id}`) as Promise<T>));
  return settled.map((r) => (r.status === 'fulfilled' ? r.value : toError(r.reason)));
}
