/**
 * graphql-ws's `subscribe` with a fan-out: subscribers of one event source (a resolver's shared
 * source, src/graphql/resolvers/fanout-source.ts) and one document, operation and variables form a
 * group driven by ONE source stream (one bus subscription). Per event the group renders once,
 * serializes the payload once and writes `{"id":<id>,"type":"next","payload":<json>}` to each
 * member's socket by string concatenation: no per-subscriber execution, JSON.stringify or promise
 * chain. With 10,000 subscribers of a practice that is one render and 10,000 `socket.send` calls per
 * event, where graphql-ws alone runs 10,000 iterators, renders and stringifies.
 *
 * graphql-ws still sees an ordinary subscription per member: its iterator (returned by the resolver)
 * stays pending and ends on `return()`, so `complete`, a closed socket, the idle and connection
 * limits (./ws-limits.ts) and the error paths work as for any operation. What does not fit the
 * direct write goes through that iterator instead, in order, and so through graphql-ws's `onNext`
 * and `onError`: a member's first event (its own read), a result with errors (formatted per
 * subscriber, ./http-server.ts), a payload without `SHARED_EVENT_KEY` (rendered per member), and
 * any event behind one of those. The direct write is therefore only for results without errors,
 * for which `onNext` changes nothing.
 *
 * A socket that does not read its frames: when a frame is due and its unsent bytes already exceed
 * `maxBufferedBytes` (or, on the iterator's path, 256 results wait behind graphql-ws's send), the
 * socket is closed with 1013 (try again later) rather than buffered without bound or left to miss
 * events silently; a graphql-ws client reconnects and resubscribes, and a transaction's subscriber
 * gets the current state first.
 *
 *     const fanout = createFanout({ maxBufferedBytes: limits.maxWsBufferedBytes });
 *     useServer({ subscribe: fanout.subscribe, context: (ctx, id) => fanout.bind(makeContext(ctx), ctx.extra.socket, id) }, wss);
 */
import { createSourceEventStream, execute, print, type ExecutionArgs, type ExecutionResult } from 'graphql';
import type { WebSocket } from 'ws';
import { SHARED_EVENT_KEY } from '../graphql/resolvers/event-reads';
import { FANOUT_ROOT, type FanoutRoot, type SharedSource, type SourceMember } from '../graphql/resolvers/fanout-source';
import { createSharedRender, type SharedRender } from './shared-subscription-results';

export interface FanoutOptions {
  /**
   * A member socket holding more unsent bytes than this when a frame is due is closed with 1013.
   * Default: `limits.maxWsBufferedBytes` of src/config.ts (passed by the caller).
   */
  maxBufferedBytes: number;
  /** Subscriptions whose resolver does not join a group. Default: `createSharedRender()` (./shared-subscription-results.ts). */
  fallback?: SharedRender;
}

export interface FanoutStats {
  /** Groups open (each holds one source stream). */
  readonly groups: number;
  /** Subscribers in them. */
  readonly members: number;
  /** Events rendered by groups, one per event and group. */
  readonly renders: number;
}

export interface Fanout {
  /** graphql-ws's `subscribe`. */
  subscribe(args: ExecutionArgs): Promise<AsyncIterableIterator<ExecutionResult> | ExecutionResult>;
  /** From graphql-ws's `context`: the socket and subscription id `context` is made for. Returns `context`. */
  bind<C extends object>(context: C, socket: WebSocket, id: string): C;
  readonly stats: FanoutStats;
}

/** ws's `WebSocket.OPEN`. */
const OPEN = 1;
const TRY_AGAIN_LATER = 1013;
/**
 * Most results one member may have waiting for graphql-ws (which sends one at a time and asks for the
 * next once the last was written): as many as the status bus queues per subscriber. A socket that
 * stopped reading stops graphql-ws's sends, not the group's events.
 */
const MAX_QUEUED = 256;

function tooSlow(socket: WebSocket, why: string): void {
  socket.close(TRY_AGAIN_LATER, `subscriber too slow: ${why}`);
}

interface Link {
  socket: WebSocket;
  id: string;
}

export function createFanout(options: FanoutOptions): Fanout {
  const fallback = options.fallback ?? createSharedRender();
  const links = new WeakMap<object, Link>();
  const groups = new Map<string, Group>();
  const counts = { members: 0, renders: 0 };
  const write = (socket: WebSocket, frame: string) => {
    if (socket.readyState !== OPEN) return;
    if (socket.bufferedAmount > options.maxBufferedBytes) {
      tooSlow(socket, `more than ${options.maxBufferedBytes} bytes unsent`);
      return;
    }
    socket.send(frame);
  };

  const join = (source: SharedSource<unknown>, args: ExecutionArgs, link: Link): AsyncIterableIterator<unknown> => {
    const key = `${source.key}\u0000${documentKey(args)}`;
    let group = groups.get(key);
    if (!group) {
      group = new Group(source.open(), args, write, counts, () => {
        if (groups.get(key) === group) groups.delete(key);
      });
      groups.set(key, group);
      group.run();
    }
    // After the group's stream is open: the member's own first read cannot miss a change.
    return group.add(link, source.join(), args);
  };

  return {
    async subscribe(args) {
      const link = args.contextValue ? links.get(args.contextValue as object) : undefined;
      let joined: AsyncIterableIterator<unknown> | undefined;
      const root: FanoutRoot | undefined = link
        ? {
            join: <P>(source: SharedSource<P>) => {
              joined = join(source as SharedSource<unknown>, args, link);
              return joined as AsyncIterableIterator<P>;
            },
          }
        : undefined;
      const stream = await createSourceEventStream(root ? { ...args, rootValue: { [FANOUT_ROOT]: root } } : args);
      // The member's iterator yields rendered results already (the slow path's).
      if (joined && stream === joined) return stream as AsyncIterableIterator<ExecutionResult>;
      if (!(Symbol.asyncIterator in Object(stream))) return stream as ExecutionResult;
      return fallback(args, stream as AsyncIterableIterator<unknown>);
    },
    bind(context, socket, id) {
      links.set(context, { socket, id });
      return context;
    },
    stats: {
      get groups() {
        return groups.size;
      },
      get members() {
        return counts.members;
      },
      get renders() {
        return counts.renders;
      },
    },
  };
}

/** One key per document, operation and variables (computed at join, not per event). */
function documentKey(args: ExecutionArgs): string {
  return JSON.stringify([print(args.document), args.operationName ?? null, args.variableValues ?? null]);
}

type Write = (socket: WebSocket, frame: string) => void;

/** Subscribers of one source and document, and the loop that renders each event once for them. */
class Group {
  private readonly members = new Set<Member>();

  constructor(
    private readonly source: AsyncIterator<unknown>,
    /** The founding member's arguments: the document, operation, variables and a context to render with. */
    private readonly args: ExecutionArgs,
    private readonly write: Write,
    private readonly counts: { members: number; renders: number },
    private readonly closed: () => void,
  ) {}

  add(link: Link, start: SourceMember<unknown>, args: ExecutionArgs): AsyncIterableIterator<ExecutionResult> {
    const member = new Member(link, start, args, this.write, () => this.remove(member));
    this.members.add(member);
    this.counts.members += 1;
    return member.iterator;
  }

  private remove(member: Member): void {
    if (!this.members.delete(member)) return;
    this.counts.members -= 1;
    if (this.members.size > 0) return;
    // The last member left: no one to render for. A new subscriber opens a new group.
    this.closed();
    void this.source.return?.();
  }

  run(): void {
    this.loop().catch((error: unknown) => {
      this.closed();
      for (const member of [...this.members]) member.fail(error);
    });
  }

  private async loop(): Promise<void> {
    for (;;) {
      const item = await this.source.next();
      if (item.done) break;
      if (this.members.size === 0) continue;
      const payload = item.value;
      if (!(payload as { [SHARED_EVENT_KEY]?: string } | null)?.[SHARED_EVENT_KEY]) {
        // Not marked shareable: each member renders it with its own arguments, as graphql-ws would.
        for (const member of this.members) member.offer(payload, null, null);
        continue;
      }
      const result = await execute({ ...this.args, rootValue: payload });
      this.counts.renders += 1;
      // Errors go through graphql-ws (its onNext formats them per subscriber): no shared frame.
      const tail = result.errors ? null : `,"type":"next","payload":${JSON.stringify(result)}}`;
      for (const member of this.members) member.offer(payload, result, tail);
    }
    // The source ended (the bus closed): every member's subscription completes.
    this.closed();
    for (const member of [...this.members]) member.end();
  }
}

type Pending = { payload: unknown; result: ExecutionResult | null; tail: string | null };

/**
 * One subscriber in a group: the frame head with its id, and the iterator graphql-ws runs for it,
 * which yields only what the direct write cannot carry (see the file's comment), in event order.
 */
class Member {
  readonly iterator: AsyncIterableIterator<ExecutionResult>;
  private readonly head: string;
  /** Results for graphql-ws to send, in order (a rejected one fails the subscription). */
  private readonly queue: Array<Promise<ExecutionResult>> = [];
  private waiting: ((result: IteratorResult<ExecutionResult, undefined>) => void) | null = null;
  private waitingFail: ((error: unknown) => void) | null = null;
  /** graphql-ws holds a result of ours and may not have sent it: what follows must queue behind it. */
  private handedOver = false;
  /** Group events that arrived before this member's first event was shown. */
  private held: Pending[] | null = null;
  private done = false;

  constructor(
    private readonly link: Link,
    private readonly start: SourceMember<unknown>,
    private readonly args: ExecutionArgs,
    private readonly write: Write,
    private readonly leave: () => void,
  ) {
    this.head = `{"id":${JSON.stringify(link.id)}`;
    if (start.first) {
      this.held = [];
      start.first.then(
        (payload) => {
          if (this.done) return;
          if (payload !== null) this.enqueue(Promise.resolve(execute({ ...this.args, rootValue: payload })));
          const held = this.held ?? [];
          this.held = null;
          for (const event of held) this.offer(event.payload, event.result, event.tail);
        },
        (error: unknown) => this.fail(error),
      );
    }
    this.iterator = {
      next: () => this.next(),
      return: async () => {
        this.finish();
        return { done: true, value: undefined };
      },
      [Symbol.asyncIterator]() {
        return this;
      },
    };
  }

  /** A group event: written directly when it can be, else queued for graphql-ws behind what is there. */
  offer(payload: unknown, result: ExecutionResult | null, tail: string | null): void {
    if (this.done) return;
    if (this.held) {
      this.held.push({ payload, result, tail });
      return;
    }
    if (this.start.accepts && !this.start.accepts(payload)) return;
    if (tail !== null && !this.handedOver && this.queue.length === 0) {
      this.write(this.link.socket, this.head + tail);
      return;
    }
    this.enqueue(Promise.resolve(result ?? execute({ ...this.args, rootValue: payload })));
  }

  /** The source failed: graphql-ws sends this member an error, and the member leaves. */
  fail(error: unknown): void {
    if (this.done) return;
    const failed = Promise.reject(error);
    failed.catch(() => undefined); // handed to graphql-ws by next(); not unhandled meanwhile
    this.enqueue(failed);
    this.done = true;
    this.leave();
  }

  /** The source ended: the subscription completes once what is queued is sent. */
  end(): void {
    if (this.done) return;
    this.done = true;
    this.leave();
    this.settle();
  }

  private enqueue(result: Promise<ExecutionResult>): void {
    if (this.queue.length >= MAX_QUEUED) {
      result.catch(() => undefined);
      // The close makes graphql-ws return() this member's iterator: it leaves its group.
      tooSlow(this.link.socket, `${MAX_QUEUED} results waiting`);
      return;
    }
    this.queue.push(result);
    this.settle();
  }

  /** Hand the next queued result (or the end) to a waiting next(). */
  private settle(): void {
    if (!this.waiting) return;
    const resolve = this.waiting;
    const reject = this.waitingFail!;
    const head = this.queue.shift();
    if (head) {
      this.waiting = this.waitingFail = null;
      this.handedOver = true;
      head.then((value) => resolve({ done: false, value }), reject);
    } else if (this.done) {
      this.waiting = this.waitingFail = null;
      resolve({ done: true, value: undefined });
    }
  }

  private next(): Promise<IteratorResult<ExecutionResult, undefined>> {
    // graphql-ws asks again only once the last result it took was sent.
    this.handedOver = false;
    return new Promise((resolve, reject) => {
      this.waiting = resolve;
      this.waitingFail = reject;
      this.settle();
    });
  }

  /** graphql-ws's return(): the client completed, the socket closed, or the operation was refused. */
  private finish(): void {
    this.queue.length = 0;
    this.held = null;
    const wasDone = this.done;
    this.done = true;
    if (!wasDone) this.leave();
    this.settle();
  }
}
