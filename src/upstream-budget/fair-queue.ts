/**
 * Waiting upstream calls, served round-robin: first across practices, then across the API keys of
 * the chosen practice, then first-in first-out within one key. A practice with a thousand calls
 * waiting gets one turn, like a practice with one; so does a key within a practice.
 *
 *     const queue = new FairQueue<Waiter>();
 *     queue.push('practice-a', 'key-1', w1);
 *     for (const entry of queue.inTurn()) if (canServe(entry.item)) { queue.take(entry); break; }
 */

export interface QueueEntry<T> {
  readonly practiceId: string;
  readonly apiKey: string;
  readonly item: T;
}

interface PracticeLane<T> {
  /** Keys in arrival order; the lane's turn starts at `next`. */
  keys: string[];
  next: number;
  byKey: Map<string, T[]>;
}

export class FairQueue<T> {
  private readonly practices: string[] = [];
  private next = 0;
  private readonly lanes = new Map<string, PracticeLane<T>>();
  private count = 0;

  get size(): number {
    return this.count;
  }

  push(practiceId: string, apiKey: string, item: T): void {
    let lane = this.lanes.get(practiceId);
    if (!lane) {
      lane = { keys: [], next: 0, byKey: new Map() };
      this.lanes.set(practiceId, lane);
      this.practices.push(practiceId);
    }
    let items = lane.byKey.get(apiKey);
    if (!items) {
      items = [];
      lane.byKey.set(apiKey, items);
      lane.keys.push(apiKey);
    }
    items.push(item);
    this.count++;
  }

  /**
   * The head of every key's line, in the order they are due: practices from the one whose turn it is,
   * and within each practice its keys from the one whose turn it is. Taking none changes nothing.
   */
  *inTurn(): Generator<QueueEntry<T>> {
    const practices = this.practices.length;
    for (let i = 0; i < practices; i++) {
      const practiceId = this.practices[(this.next + i) % practices]!;
      const lane = this.lanes.get(practiceId)!;
      for (let j = 0; j < lane.keys.length; j++) {
        const apiKey = lane.keys[(lane.next + j) % lane.keys.length]!;
        yield { practiceId, apiKey, item: lane.byKey.get(apiKey)![0]! };
      }
    }
  }

  /** The first entry due, if any. */
  peek(): QueueEntry<T> | undefined {
    for (const entry of this.inTurn()) return entry;
    return undefined;
  }

  /** Remove `entry` (the head of its key's line) and pass the turn to the practice and key after it. */
  take(entry: QueueEntry<T>): void {
    const lane = this.lanes.get(entry.practiceId);
    const items = lane?.byKey.get(entry.apiKey);
    if (!lane || !items || items[0] !== entry.item) {
      throw new Error(`expected the head of ${entry.practiceId}/${entry.apiKey}'s line, got another entry`);
    }
    items.shift();
    this.count--;
    const p = this.practices.indexOf(entry.practiceId);
    const k = lane.keys.indexOf(entry.apiKey);
    lane.next = k + 1;
    this.next = p + 1;
    if (items.length === 0) {
      lane.byKey.delete(entry.apiKey);
      lane.keys.splice(k, 1);
      lane.next = k;
    }
    if (lane.keys.length === 0) {
      this.lanes.delete(entry.practiceId);
      this.practices.splice(p, 1);
      this.next = p;
    }
    if (this.practices.length > 0) this.next %= this.practices.length;
    else this.next = 0;
    if (lane.keys.length > 0) lane.next %= lane.keys.length;
  }

  /** Remove `item` wherever it waits (a cancelled call); false when it was not queued. */
  remove(item: T): boolean {
    for (const entry of this.inTurnAll()) {
      if (entry.item !== item) continue;
      const lane = this.lanes.get(entry.practiceId)!;
      const items = lane.byKey.get(entry.apiKey)!;
      if (items[0] === item) {
        // Taking it from the head would pass the turn; keep the turns as they were.
        const [next, laneNext] = [this.practices[this.next], lane.keys[lane.next]];
        this.take(entry);
        if (next !== undefined && this.lanes.has(next)) this.next = this.practices.indexOf(next);
        if (laneNext !== undefined && lane.byKey.has(laneNext)) lane.next = lane.keys.indexOf(laneNext);
      } else {
        items.splice(items.indexOf(item), 1);
        this.count--;
      }
      return true;
    }
    return false;
  }

  /** Every queued item (close: reject them all), leaving the queue empty. */
  drain(): T[] {
    const items = [...this.inTurnAll()].map((e) => e.item);
    this.practices.length = 0;
    this.lanes.clear();
    this.next = 0;
    this.count = 0;
    return items;
  }

  private *inTurnAll(): Generator<QueueEntry<T>> {
    for (const [practiceId, lane] of this.lanes) {
      for (const [apiKey, items] of lane.byKey) for (const item of items) yield { practiceId, apiKey, item };
    }
  }
}
