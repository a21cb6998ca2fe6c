/**
 * The ordering argument of `transactionStatusChanged` (src/graphql/resolvers/subscription.ts), at
 * the moments a websocket test cannot choose: a change made and announced while the subscription's
 * first read is in flight, and a shared read that began before a newer state was emitted, alone and
 * through the websocket server's fan-out (src/server/fanout.ts, with fake sockets). The store
 * is a map the test moves forward; the bus is the real in-process one.
 */
import { parse, type ExecutionResult } from 'graphql';
import type { WebSocket } from 'ws';
import { describe, expect, it } from 'vitest';
import type { GatewayContext } from '../../src/graphql/context';
import { subscriptionResolvers } from '../../src/graphql/resolvers/subscription';
import { createSchema } from '../../src/graphql/schema';
import { createFanout } from '../../src/server/fanout';
import { createInProcessStatusBus } from '../../src/transactions/status-bus';
import type { TransactionRow } from '../../src/transactions/types';

const PRACTICE = 'smile-dental';
const ID = 'LG:1000';

function row(status: TransactionRow['status'], attention: string | null = null): TransactionRow {
  return {
    practiceId: PRACTICE,
    transactionId: ID,
    kind: 'PAYMENT',
    status,
    amount: -500,
    failureReason: null,
    records: { payments: [], adjustments: [] },
    patientSourceId: '42',
    idempotencyKeyHash: 'k',
    createdAt: '2030-01-01T00:00:00.000Z',
    updatedAt: '2030-01-01T00:00:00.000Z',
    receiptId: null,
    attention,
    resolution: null,
  };
}

/** The resolver's iterator (its `return()` is always there: it unsubscribes from the bus). */
type Events = AsyncIterableIterator<{ transactionStatusChanged: TransactionRow }> & {
  return(): Promise<IteratorResult<unknown>>;
};

/** A context whose store answers `current` — or waits for the test when `hold` is set. */
function world() {
  const bus = createInProcessStatusBus();
  const state = { current: row('SUBMITTED') as TransactionRow | null, reads: 0 };
  let held: Array<() => void> | null = null;
  const ctx = {
    caller: { keyName: 'all', practices: '*', introspection: true, requestsPerMinute: null },
    services: {
      bus,
      registry: { get: (id: string) => (id === PRACTICE ? { id } : undefined) },
      transactions: {
        async get() {
          state.reads += 1;
          if (held) await new Promise<void>((resolve) => held!.push(resolve));
          return state.current ? { ...state.current } : null;
        },
      },
    },
  } as unknown as GatewayContext;
  const subscribe = (transactionId: string | null) => {
    const resolver = (subscriptionResolvers.Subscription as any).transactionStatusChanged.subscribe;
    return resolver({}, { practiceId: PRACTICE, transactionId }, ctx) as Events;
  };
  return {
    bus,
    ctx,
    state,
    subscribe,
    hold: () => {
      held = [];
    },
    release: () => {
      const waiting = held ?? [];
      held = null;
      for (const resolve of waiting) resolve();
    },
  };
}

const statusOf = async (it: Events) => {
  const next = await it.next();
  return next.done
    ? 'done'
    : `${next.value.transactionStatusChanged.status}${next.value.transactionStatusChanged.attention ? '+attention' : ''}`;
};

describe('transactionStatusChanged with a transactionId', () => {
  it('a change announced while the first read is in flight is emitted once: in the first state, not again', async () => {
    const w = world();
    w.hold();
    const sub = w.subscribe(ID); // bus subscription taken, first read pending
    w.state.current = row('COMPLETED');
    await w.bus.publish({ practiceId: PRACTICE, transactionId: ID }); // queued on the subscription
    w.release();
    expect(await statusOf(sub)).toBe('COMPLETED');
    // The queued hint re-reads COMPLETED: not past what was emitted, dropped. The next real change shows.
    const next = sub.next();
    await w.bus.publish({ practiceId: PRACTICE, transactionId: ID });
    await sub.return();
    expect((await next).done).toBe(true);
  });

  it('never goes back: a state older than the one emitted (a read begun earlier) is dropped', async () => {
    const w = world();
    w.state.current = row('SUBMITTED', 'no answer');
    const sub = w.subscribe(ID);
    expect(await statusOf(sub)).toBe('SUBMITTED+attention');
    // A re-read that answers an older state (shared with subscribers whose read began before the
    // attention was set): not emitted. Then the final state is.
    w.state.current = row('SUBMITTED');
    await w.bus.publish({ practiceId: PRACTICE, transactionId: ID });
    w.state.current = row('COMPLETED');
    await w.bus.publish({ practiceId: PRACTICE, transactionId: ID });
    expect(await statusOf(sub)).toBe('COMPLETED');
    await sub.return();
  });

  it('emits the attention as a change of its own, then the final state', async () => {
    const w = world();
    const sub = w.subscribe(ID);
    expect(await statusOf(sub)).toBe('SUBMITTED');
    w.state.current = row('SUBMITTED', 'no answer');
    await w.bus.publish({ practiceId: PRACTICE, transactionId: ID });
    expect(await statusOf(sub)).toBe('SUBMITTED+attention');
    w.state.current = row('FAILED');
    await w.bus.publish({ practiceId: PRACTICE, transactionId: ID });
    expect(await statusOf(sub)).toBe('FAILED');
    await sub.return();
  });

  it('an unknown id emits nothing first; without a transactionId there is no first read at all', async () => {
    const w = world();
    w.state.current = null;
    const one = w.subscribe('LG:404');
    const practiceWide = w.subscribe(null);
    const first = one.next();
    await Promise.resolve();
    expect(w.state.reads).toBe(1); // only the one with an id read
    w.state.current = row('PENDING');
    await w.bus.publish({ practiceId: PRACTICE, transactionId: ID });
    expect(await statusOf(practiceWide)).toBe('PENDING');
    await one.return();
    expect((await first).done).toBe(true);
    await practiceWide.return();
  });
});

describe('transactionStatusChanged through the fan-out (src/server/fanout.ts)', () => {
  it('members of one transaction share one bus subscription; each starts from its own read and is shown each later state once', async () => {
    const w = world();
    const schema = createSchema();
    const fanout = createFanout({ maxBufferedBytes: 1 << 20 });
    const document = parse(
      `subscription($t: ID) { transactionStatusChanged(practiceId: "${PRACTICE}", transactionId: $t) { status attention } }`,
    );
    const frame = (id: string, status: string, attention: string | null) =>
      JSON.stringify({ id, type: 'next', payload: { data: { transactionStatusChanged: { status, attention } } } });
    const join = async (id: string) => {
      const sent: string[] = [];
      const socket = { readyState: 1, bufferedAmount: 0, send: (data: string) => sent.push(data) } as unknown as WebSocket;
      // One context per subscription, as graphql-ws makes them.
      const contextValue = fanout.bind({ ...w.ctx }, socket, id);
      const iterator = (await fanout.subscribe({
        schema,
        document,
        variableValues: { t: ID },
        contextValue,
      })) as AsyncIterableIterator<ExecutionResult>;
      return { sent, iterator };
    };
    const until = async (condition: () => boolean) => {
      for (let turns = 0; !condition(); turns += 1) {
        if (turns > 1000) throw new Error(`frames: a ${JSON.stringify(a?.sent)}, b ${JSON.stringify(b?.sent)}`);
        await new Promise((resolve) => setImmediate(resolve));
      }
    };

    let a: Awaited<ReturnType<typeof join>> | undefined;
    let b: Awaited<ReturnType<typeof join>> | undefined;
    a = await join('a');
    // The first state is the member's own read, sent through graphql-ws's iterator.
    expect(await a.iterator.next()).toEqual({
      done: false,
      value: { data: { transactionStatusChanged: { status: 'SUBMITTED', attention: null } } },
    });
    const aDone = a.iterator.next(); // graphql-ws waits on it; group events are written directly
    expect(w.bus.subscriberCount).toBe(1);

    // The attention is announced while b joins: the group's re-read and b's first read are both in flight.
    w.hold();
    w.state.current = row('SUBMITTED', 'no answer');
    await w.bus.publish({ practiceId: PRACTICE, transactionId: ID });
    b = await join('b');
    expect(w.bus.subscriberCount).toBe(1);
    w.release();
    expect(await b.iterator.next()).toEqual({
      done: false,
      value: { data: { transactionStatusChanged: { status: 'SUBMITTED', attention: 'no answer' } } },
    });
    const bDone = b.iterator.next();
    await until(() => a.sent.length === 1);
    expect(a.sent).toEqual([frame('a', 'SUBMITTED', 'no answer')]);

    // A repeated hint is news to no one; the final state reaches both, once.
    await w.bus.publish({ practiceId: PRACTICE, transactionId: ID });
    w.state.current = row('COMPLETED');
    await w.bus.publish({ practiceId: PRACTICE, transactionId: ID });
    await until(() => a.sent.length === 2 && b.sent.length === 1);
    expect(a.sent).toEqual([frame('a', 'SUBMITTED', 'no answer'), frame('a', 'COMPLETED', null)]);
    expect(b.sent).toEqual([frame('b', 'COMPLETED', null)]);

    await a.iterator.return!();
    await b.iterator.return!();
    expect(await aDone).toEqual({ done: true, value: undefined });
    expect(await bDone).toEqual({ done: true, value: undefined });
    expect(w.bus.subscriberCount).toBe(0);
  });
});
