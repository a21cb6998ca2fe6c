/**
 * graphql-ws's `subscribe`, rendering each status event once per document instead of once per
 * subscriber. graphql-js executes a subscription's selection set for every subscriber and every
 * event; with thousands of subscribers of one practice that is thousands of identical executions
 * (and, for nested fields such as a record's provider, identical upstream reads) per event.
 *
 * Why sharing is safe: a payload marked with {@link SHARED_EVENT_KEY} is the same durable row for
 * everyone who receives it (the subscribers of one event share one store read), every subscriber of
 * it was authorized for its practice when it subscribed, and nothing a `LedgerTransaction` shows
 * depends on who asks. The key is the event plus the exact document, operation and variables, so two
 * different selections are never confused. A result is kept for a few seconds after it is rendered.
 *
 *     useServer({ schema, subscribe: createSharedSubscribe() }, wss);
 *
 * The gateway's websocket server goes further for sources that can be shared (./fanout.ts): one
 * stream, one render and one serialized frame per event and document. This remains the path of
 * subscriptions whose resolver does not join the fan-out (`createSharedRender`).
 */
import { createSourceEventStream, execute, print, type ExecutionArgs, type ExecutionResult } from 'graphql';
import { SHARED_EVENT_KEY } from '../graphql/resolvers/event-reads';

export interface SharedSubscribeOptions {
  /** How long a rendered result is kept for late subscribers of the same event, ms. Default 5000. */
  keepMs?: number;
}

type Result = ExecutionResult | Promise<ExecutionResult>;

/**
 * The iterator graphql-ws runs for one subscriber: `source`'s payloads, each rendered (shared by
 * event and document where the payload allows). Used by the fan-out (./fanout.ts) for sources that
 * do not join a group.
 */
export type SharedRender = (
  args: ExecutionArgs,
  source: AsyncIterableIterator<unknown>,
) => AsyncIterableIterator<ExecutionResult>;

export function createSharedSubscribe(options: SharedSubscribeOptions = {}) {
  const results = createSharedRender(options);
  return async function subscribe(args: ExecutionArgs): Promise<AsyncIterableIterator<ExecutionResult> | ExecutionResult> {
    const stream = await createSourceEventStream(args);
    if (!(Symbol.asyncIterator in Object(stream))) return stream as ExecutionResult;
    return results(args, stream as AsyncIterableIterator<unknown>);
  };
}

export function createSharedRender(options: SharedSubscribeOptions = {}): SharedRender {
  const keepMs = options.keepMs ?? 5000;
  // event key → document key → result. Two levels rather than one concatenated key: a subscriber's
  // document key is the same string on every event (its hash computed once), and a concatenation
  // would build and hash a new string of the whole document per subscriber per event.
  const rendered = new Map<string, Map<string, Result>>();

  return function results(args, source) {
    // One key per subscription, computed once: the document as text, the operation and variables.
    const documentKey = JSON.stringify([print(args.document), args.operationName ?? null, args.variableValues ?? null]);

    const render = (payload: unknown): Result => {
      const eventKey = (payload as { [SHARED_EVENT_KEY]?: string } | null)?.[SHARED_EVENT_KEY];
      if (!eventKey) return execute({ ...args, rootValue: payload });
      let byDocument = rendered.get(eventKey);
      if (!byDocument) {
        byDocument = new Map();
        rendered.set(eventKey, byDocument);
        setTimeout(() => rendered.delete(eventKey), keepMs).unref();
      }
      let result = byDocument.get(documentKey);
      if (!result) {
        result = execute({ ...args, rootValue: payload });
        byDocument.set(documentKey, result);
      }
      return result;
    };

    const iterator: AsyncIterableIterator<ExecutionResult> = {
      async next() {
        const item = await source.next();
        if (item.done) return { done: true, value: undefined };
        return { done: false, value: await render(item.value) };
      },
      async return() {
        await source.return?.();
        return { done: true, value: undefined };
      },
      async throw(error?: unknown) {
        await source.return?.();
        throw error;
      },
      [Symbol.asyncIterator]() {
        return iterator;
      },
    };
    return iterator;
  };
}
