/**
 * How a subscription resolver offers its events to the websocket server's fan-out
 * (src/server/fanout.ts): instead of one event stream per subscriber, the server keeps one group per
 * event source and document, driven by ONE stream the group opens, and renders and serializes each
 * event once for all its members.
 *
 * The server puts a {@link FanoutRoot} on the subscription's root value. A resolver that can share
 * its events checks the caller first (authorization stays per subscriber, at subscribe) and then
 * returns `fanout.join(source)` in place of its own iterator; without one (another transport, a unit
 * test) it answers as it always did. A source may be shared only when what its events show does not
 * depend on who subscribed: every member of a group is shown the same rendered payload.
 *
 *     const fanout = fanoutOf(root);
 *     if (fanout) return fanout.join({ key, open: () => groupStream(), join: () => ({ first: null }) });
 */

/** Where the server's {@link FanoutRoot} sits on a subscription's root value. */
export const FANOUT_ROOT = Symbol('ledger.fanoutRoot');

/** One event source that any number of subscribers may share. */
export interface SharedSource<P> {
  /**
   * The source's identity: the field and its arguments. Subscribers whose sources have equal keys
   * and whose documents, operations and variables are equal share one group.
   */
  readonly key: string;
  /**
   * The group's one stream of payloads, opened by its first member and ended with `return()` when
   * its last member leaves. Its payloads carry `SHARED_EVENT_KEY` (./event-reads.ts) when they may
   * be rendered once for every member; one without it is rendered per member.
   */
  open(): AsyncIterator<P>;
  /**
   * One subscriber's own start, called as it joins, always after the group's stream is open (so a
   * first read made here cannot miss a change: it is either in that read or in a later event).
   */
  join(): SourceMember<P>;
}

export interface SourceMember<P> {
  /** What this subscriber is shown before any group event (e.g. the current state); null: nothing. */
  first: Promise<P | null> | null;
  /** Whether a group payload is news to this subscriber once its `first` is shown. Default: all are. */
  accepts?: (payload: P) => boolean;
}

/** What the server offers on the root value of a subscription it can fan out. */
export interface FanoutRoot {
  /** The iterator to return from the resolver's `subscribe`: this subscriber as a member of `source`'s group. */
  join<P>(source: SharedSource<P>): AsyncIterableIterator<P>;
}

/** The server's fan-out on `root`, when the subscription came through it. */
export function fanoutOf(root: unknown): FanoutRoot | undefined {
  return (root as { [FANOUT_ROOT]?: FanoutRoot } | null | undefined)?.[FANOUT_ROOT];
}
