/**
 * A batch read one upstream call per unique key: each key is asked once however often it appears,
 * and the answers come back aligned with the input, an Error in the place of a key that failed (a
 * DataLoader batch answers per key, so one failure does not fail the others).
 */
import type { BatchResult } from '../port';

export function toError(reason: unknown): Error {
  return reason instanceof Error ? reason : new Error(String(reason));
}

/** Answer each unique key once, and align the answers with the input (an Error for a failed key). */
export function perKey<T>(ids: readonly string[], fetch: (id: string) => Promise<T>): Promise<BatchResult<T>> {
  // One key (a batch of one patient, the common case): its answer or its error, without the
  // bookkeeping below, and one `then` rather than an async function's promise and its await (each
  // promise it saves is one fewer on every request's path).
  if (ids.length === 1) {
    let answer: Promise<T>;
    try {
      answer = fetch(ids[0]!);
    } catch (reason) {
      return Promise.resolve([toError(reason)]);
    }
    return answer.then(
      (value) => [value],
      (reason: unknown) => [toError(reason)],
    );
  }
  return perUniqueKey(ids, fetch);
}

async function perUniqueKey<T>(ids: readonly string[], fetch: (id: string) => Promise<T>): Promise<BatchResult<T>> {
  const unique = [...new Set(ids)];
  const settled = await Promise.allSettled(unique.map((id) => fetch(id)));
  const byId = new Map(unique.map((id, i) => [id, settled[i]!] as const));
  return ids.map((id) => {
    const r = byId.get(id)!;
    return r.status === 'fulfilled' ? r.value : toError(r.reason);
  });
}
