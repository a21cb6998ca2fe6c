/**
 * The fan-out's moments a websocket test cannot choose (src/server/fanout.ts): the exact frame
 * written per member, a socket whose unsent bytes are over the limit (closed with 1013, nothing
 * buffered), the order between the direct write and what graphql-ws sends through a member's
 * iterator, and the group's one source stream ended by its last member. The sockets are fakes that
 * record what they were sent; the schema is a one-field subscription that joins the fan-out.
 */
import { GraphQLObjectType, GraphQLSchema, GraphQLString, parse, type ExecutionResult } from 'graphql';
import type { WebSocket } from 'ws';
import { describe, expect, it } from 'vitest';
import { SHARED_EVENT_KEY } from '../../src/graphql/resolvers/event-reads';
import { fanoutOf } from '../../src/graphql/resolvers/fanout-source';
import { createFanout } from '../../src/server/fanout';

/** A stream the test pushes payloads into; `returned` once the group ended it. */
function source() {
  const queue: unknown[] = [];
  let waiting: ((result: IteratorResult<unknown>) => void) | null = null;
  const state = { opened: 0, returned: false };
  const iterator: AsyncIterator<unknown> = {
    next: () => {
      const head = queue.shift();
      if (head) return Promise.resolve({ done: false, value: head });
      if (state.returned) return Promise.resolve({ done: true, value: undefined });
      return new Promise((resolve) => (waiting = resolve));
    },
    return: async () => {
      state.returned = true;
      waiting?.({ done: true, value: undefined });
      return { done: true, value: undefined };
    },
  };
  const push = (payload: unknown) => {
    if (waiting) {
      const resolve = waiting;
      waiting = null;
      resolve({ done: false, value: payload });
    } else queue.push(payload);
  };
  return { iterator, push, state };
}

function world() {
  const stream = source();
  const counts = { renders: 0 };
  const Subscription = new GraphQLObjectType({
    name: 'Subscription',
    fields: {
      tick: {
        type: GraphQLString,
        subscribe: (root) =>
          fanoutOf(root)!.join({
            key: 'tick',
            open: () => {
              stream.state.opened += 1;
              return stream.iterator;
            },
            join: () => ({ first: null }),
          }),
        resolve: (payload: { tick: string }) => {
          counts.renders += 1;
          return payload.tick;
        },
      },
    },
  });
  const Query = new GraphQLObjectType({ name: 'Query', fields: { ok: { type: GraphQLString } } });
  const schema = new GraphQLSchema({ query: Query, subscription: Subscription });
  return { schema, stream, counts, document: parse('subscription { tick }') };
}

function fakeSocket() {
  const socket = {
    readyState: 1,
    bufferedAmount: 0,
    sent: [] as string[],
    closed: null as { code: number; reason: string } | null,
    send(frame: string) {
      socket.sent.push(frame);
    },
    close(code: number, reason: string) {
      socket.closed = { code, reason };
      socket.readyState = 3;
    },
  };
  return socket;
}

/** Let the group's loop and the members' promises run. */
const settle = () => new Promise((resolve) => setImmediate(resolve));
const frame = (id: string, tick: string) => JSON.stringify({ id, type: 'next', payload: { data: { tick } } });

describe('createFanout', () => {
  it('renders a shareable event once, writes one frame per member, and closes a socket over its unsent-bytes limit', async () => {
    const w = world();
    const fanout = createFanout({ maxBufferedBytes: 100 });
    const sockets = [fakeSocket(), fakeSocket(), fakeSocket()];
    const ids = ['1', 'quote " and \\ back', '3'];
    const iterators = (await Promise.all(
      sockets.map((socket, i) =>
        fanout.subscribe({
          schema: w.schema,
          document: w.document,
          contextValue: fanout.bind({}, socket as unknown as WebSocket, ids[i]!),
        }),
      ),
    )) as AsyncIterableIterator<ExecutionResult>[];
    expect(w.stream.state.opened).toBe(1);
    expect(fanout.stats).toMatchObject({ groups: 1, members: 3 });

    // graphql-ws waits on every member's iterator: it stays pending while frames are written directly.
    const pending = iterators[0]!.next();
    sockets[2]!.bufferedAmount = 101;
    w.stream.push({ tick: 'a', [SHARED_EVENT_KEY]: 'event-a' });
    await settle();
    expect(w.counts.renders).toBe(1);
    expect(sockets[0]!.sent).toEqual([frame(ids[0]!, 'a')]);
    expect(sockets[1]!.sent).toEqual([frame(ids[1]!, 'a')]);
    expect(sockets[2]!.sent).toEqual([]);
    expect(sockets[2]!.closed?.code).toBe(1013);
    expect(fanout.stats.renders).toBe(1);

    // Not marked shareable: rendered per member and handed to graphql-ws through the iterator.
    w.stream.push({ tick: 'b' });
    expect(await pending).toEqual({ done: false, value: { data: { tick: 'b' } } });
    await settle();
    expect(w.counts.renders).toBe(4);
    // graphql-ws holds 'b' (it asks again once it sent it): a shared event queues behind it, in order.
    w.stream.push({ tick: 'c', [SHARED_EVENT_KEY]: 'event-c' });
    await settle();
    expect(sockets[0]!.sent).toEqual([frame(ids[0]!, 'a')]);
    expect(await iterators[0]!.next()).toEqual({ done: false, value: { data: { tick: 'c' } } });
    const next = iterators[0]!.next(); // 'c' sent: the direct write resumes
    w.stream.push({ tick: 'd', [SHARED_EVENT_KEY]: 'event-d' });
    await settle();
    expect(sockets[0]!.sent).toEqual([frame(ids[0]!, 'a'), frame(ids[0]!, 'd')]);
    expect(w.counts.renders).toBe(6);

    // Members leave on return(); the last one ends the group's one source stream.
    await iterators[0]!.return!();
    expect(await next).toEqual({ done: true, value: undefined });
    expect(w.stream.state.returned).toBe(false);
    await Promise.all(iterators.slice(1).map((iterator) => iterator.return!()));
    expect(w.stream.state.returned).toBe(true);
    expect(fanout.stats).toMatchObject({ groups: 0, members: 0 });
  });

  it('closes a socket with 1013 when 256 results wait behind a graphql-ws send that does not finish', async () => {
    const w = world();
    const fanout = createFanout({ maxBufferedBytes: 100 });
    const socket = fakeSocket();
    const iterator = (await fanout.subscribe({
      schema: w.schema,
      document: w.document,
      contextValue: fanout.bind({}, socket as unknown as WebSocket, '1'),
    })) as AsyncIterableIterator<ExecutionResult>;
    // Rendered per member (not shareable), so they wait for graphql-ws, which never asks again.
    for (let i = 0; i < 256; i += 1) w.stream.push({ tick: String(i) });
    await settle();
    expect(socket.closed).toBeNull();
    w.stream.push({ tick: 'one too many' });
    await settle();
    expect(socket.closed).toEqual({ code: 1013, reason: 'subscriber too slow: 256 results waiting' });
    // What waited is still handed over in order until graphql-ws returns the iterator on the close.
    expect(await iterator.next()).toEqual({ done: false, value: { data: { tick: '0' } } });
    await iterator.return!();
    expect(fanout.stats).toMatchObject({ groups: 0, members: 0 });
  });
});
