import { makeExecutableSchema } from '@graphql-tools/schema';
import { parse, type ExecutionResult } from 'graphql';
import { describe, expect, it } from 'vitest';
import { SHARED_EVENT_KEY } from '../../src/graphql/resolvers/event-reads';
import { createSharedSubscribe } from '../../src/server/shared-subscription-results';

/** A schema whose subscription yields whatever the test pushes, and counts field executions. */
function world() {
  let renders = 0;
  const listeners = new Set<(payload: unknown) => void>();
  const schema = makeExecutableSchema({
    typeDefs: 'type Query { ok: Boolean } type Tx { id: ID!, label: String! } type Subscription { changed: Tx! }',
    resolvers: {
      Tx: {
        label: (tx: { id: string }) => {
          renders++;
          return `tx ${tx.id}`;
        },
      },
      Subscription: {
        changed: {
          subscribe: () => {
            const queue: unknown[] = [];
            let wake: (() => void) | null = null;
            const push = (payload: unknown) => {
              queue.push(payload);
              wake?.();
            };
            listeners.add(push);
            return {
              async next() {
                while (queue.length === 0) await new Promise<void>((r) => (wake = r));
                return { done: false, value: queue.shift() };
              },
              async return() {
                listeners.delete(push);
                return { done: true, value: undefined };
              },
              [Symbol.asyncIterator]() {
                return this;
              },
            };
          },
        },
      },
    },
  });
  return {
    schema,
    renders: () => renders,
    publish: (payload: unknown) => {
      for (const push of listeners) push(payload);
    },
  };
}

async function open(w: ReturnType<typeof world>, subscribe: ReturnType<typeof createSharedSubscribe>, query: string) {
  const result = await subscribe({ schema: w.schema, document: parse(query) });
  return result as AsyncIterableIterator<ExecutionResult>;
}

describe('createSharedSubscribe', () => {
  it('renders one result for every subscriber of a keyed event and the same document', async () => {
    const w = world();
    const subscribe = createSharedSubscribe();
    const subs = await Promise.all([1, 2, 3].map(() => open(w, subscribe, 'subscription { changed { id label } }')));
    w.publish({ changed: { id: '7' }, [SHARED_EVENT_KEY]: 'event-1' });
    const results = await Promise.all(subs.map((s) => s.next()));
    expect(results.map((r) => r.value)).toEqual([1, 2, 3].map(() => ({ data: { changed: { id: '7', label: 'tx 7' } } })));
    expect(w.renders()).toBe(1);
    await Promise.all(subs.map((s) => s.return!()));
  });

  it('renders separately for another document, another event, or an unkeyed payload', async () => {
    const w = world();
    const subscribe = createSharedSubscribe();
    const a = await open(w, subscribe, 'subscription { changed { id label } }');
    const b = await open(w, subscribe, 'subscription { changed { label } }');
    w.publish({ changed: { id: '1' }, [SHARED_EVENT_KEY]: 'event-1' });
    expect((await a.next()).value).toEqual({ data: { changed: { id: '1', label: 'tx 1' } } });
    expect((await b.next()).value).toEqual({ data: { changed: { label: 'tx 1' } } });
    expect(w.renders()).toBe(2);
    w.publish({ changed: { id: '2' }, [SHARED_EVENT_KEY]: 'event-2' });
    await Promise.all([a.next(), b.next()]);
    expect(w.renders()).toBe(4);
    w.publish({ changed: { id: '3' } });
    await Promise.all([a.next(), b.next()]);
    expect(w.renders()).toBe(6);
    await Promise.all([a.return!(), b.return!()]);
  });
});
