/**
 * Who an upstream call is for, carried through async calls with AsyncLocalStorage: the API key's
 * name (the fair queue's inner turn) and the request's count of upstream exchanges, held against
 * `limits.maxUpstreamCalls`. The HTTP server enters it around each GraphQL request; work outside any
 * request (jobs, recovery, webhooks) has no scope and queues under the key `background`.
 *
 *     await runInRequestScope({ apiKey: caller.keyName, maxUpstreamCalls: 500 }, () => execute());
 *     countUpstreamCall(); // inside: throws UpstreamCallCapExceeded at the 501st exchange
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { GraphQLError } from 'graphql';

/** The key name work outside a client request queues under. */
export const BACKGROUND_KEY = 'background';

export interface RequestScope {
  /** The API key's name (never the key itself). */
  readonly apiKey: string;
  /** Upstream HTTP exchanges this request may cause; `Infinity` for no cap. */
  readonly maxUpstreamCalls: number;
  /** Exchanges counted so far (first attempts and retries alike). */
  upstreamCalls: number;
}

const storage = new AsyncLocalStorage<RequestScope>();

export function runInRequestScope<T>(scope: { apiKey: string; maxUpstreamCalls?: number }, fn: () => T): T {
  return storage.run(
    { apiKey: scope.apiKey, maxUpstreamCalls: scope.maxUpstreamCalls ?? Number.POSITIVE_INFINITY, upstreamCalls: 0 },
    fn,
  );
}

export function currentRequestScope(): RequestScope | undefined {
  return storage.getStore();
}

/**
 * The request asked for more upstream calls than `limits.maxUpstreamCalls`. A GraphQL error of its
 * own (not an upstream failure: no circuit breaker counts it), raised on the fields whose reads were
 * cut off while the others answer; no HTTP status of its own, so partial data arrives as a 200.
 */
export class UpstreamCallCapExceeded extends GraphQLError {
  constructor(readonly maxUpstreamCalls: number) {
    super(
      `this request needs more than ${maxUpstreamCalls} upstream calls (limits.maxUpstreamCalls): ` +
        'lower `first` on lists, ask for fewer ledger fields (balance, invoice, charges) per item, or split the request',
      { extensions: { code: 'QUERY_TOO_COMPLEX', limit: 'maxUpstreamCalls', maxUpstreamCalls } },
    );
    this.name = 'UpstreamCallCapExceeded';
  }
}

/** Count one upstream exchange against the current request's cap; throws when it would exceed it. */
export function countUpstreamCall(): void {
  const scope = storage.getStore();
  if (!scope) return;
  if (scope.upstreamCalls >= scope.maxUpstreamCalls) throw new UpstreamCallCapExceeded(scope.maxUpstreamCalls);
  scope.upstreamCalls++;
}

/**
 * Run `fn` as background work, outside any request's scope (its cap and its key's turn): for work a
 * request starts but does not own, e.g. a billing cycle's job run inline by its mutation.
 */
export function runOutsideRequestScope<T>(fn: () => T): T {
  return storage.exit(fn);
}
