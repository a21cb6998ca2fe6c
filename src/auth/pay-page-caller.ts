/**
 * Callers without an API key: the patient pay page (README.md, "The patient payment page"). A
 * request with no valid key may run only operations whose every root field is `paymentPage` or
 * `paymentPageChanged` (their token is the credential, checked by the resolvers); anything else is
 * refused as before (401 / 4403). Such a caller touches no practice (an empty practice set: every
 * `requirePractice` refuses it) and may not introspect.
 *
 * Its rate is per client address: the caller's name is `pay-page@<address>`, so the operation
 * guard's per-key buckets become per-address ones (`limits.payPageRequestsPerMinute`), over HTTP and
 * the websocket alike, and the websocket's per-key connection cap applies per address too. The
 * address is the socket's peer: behind a proxy, every patient shares the proxy's budget.
 */
import { Kind, parse, type DocumentNode } from 'graphql';
import type { Caller } from './api-keys';

/** The root fields a caller without a key may select. */
export const PAY_PAGE_ROOT_FIELDS: ReadonlySet<string> = new Set(['paymentPage', 'paymentPageChanged', '__typename']);

const anonymous = new WeakSet<Caller>();

/** The caller of a request without an API key from `address`. */
export function payPageCaller(address: string | undefined, requestsPerMinute: number): Caller {
  const caller: Caller = {
    keyName: `pay-page@${address ?? 'unknown'}`,
    practices: new Set<string>(),
    introspection: false,
    requestsPerMinute,
  };
  anonymous.add(caller);
  return caller;
}

/** Whether `caller` came without a key (`payPageCaller`). */
export function isPayPageCaller(caller: Caller | null | undefined): boolean {
  return caller != null && anonymous.has(caller);
}

/**
 * Whether every operation of the document selects only pay-page root fields (plain fields: a
 * fragment at the root is refused rather than followed). Unparsable text: false.
 */
export function isPayPageDocument(source: unknown, maxTokens: number): boolean {
  if (typeof source !== 'string' || source.length === 0) return false;
  let document: DocumentNode;
  try {
    document = parse(source, { maxTokens });
  } catch {
    return false;
  }
  let operations = 0;
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) continue;
    if (definition.kind !== Kind.OPERATION_DEFINITION) return false;
    operations++;
    for (const selection of definition.selectionSet.selections) {
      if (selection.kind !== Kind.FIELD || !PAY_PAGE_ROOT_FIELDS.has(selection.name.value)) return false;
    }
  }
  return operations > 0;
}
