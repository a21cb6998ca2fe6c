/**
 * The upstream clients' counting semaphore (src/adapters/http/limiter.ts): never more than its
 * concurrency at once, waiting tasks in FIFO order, and a slot freed however a task ends.
 */
import { describe, expect, it } from 'vitest';
import { createLimiter } from '../../../src/adapters/http/limiter';

/** A task the test finishes by hand. */
function gate() {
  let open!: () => void;
  let fail!: (e: Error) => void;
  const done = new Promise<void>((resolve, reject) => {
    open = resolve;
    fail = reject;
  });
  return { done, open, fail };
}

describe('createLimiter', () => {
  it('runs at most `concurrency` tasks at once and the waiting ones in the order they came', async () => {
    const limit = createLimiter(2);
    const gates = Array.from({ length: 5 }, gate);
    const started: number[] = [];
    let running = 0;
    let most = 0;
    const all = gates.map((g, i) =>
      limit(async () => {
        started.push(i);
        running++;
        most = Math.max(most, running);
        await g.done;
        running--;
        return i;
      }),
    );
    expect(started).toEqual([0, 1]); // a free slot starts its task at once
    gates[1]!.open();
    await gates[1]!.done;
    await new Promise<void>((resolve) => setImmediate(resolve));
    expect(started).toEqual([0, 1, 2]);
    for (const g of gates) g.open();
    expect(await Promise.all(all)).toEqual([0, 1, 2, 3, 4]);
    expect(started).toEqual([0, 1, 2, 3, 4]);
    expect(most).toBe(2);
  });

  it('frees the slot of a task that rejects or throws before its first await, and passes the error on', async () => {
    const limit = createLimiter(1);
    const failing = gate();
    const first = limit(() => failing.done);
    const second = limit(() => {
      throw new Error('bad arguments');
    });
    const third = limit(async () => 'third ran');
    failing.fail(new Error('upstream down'));
    await expect(first).rejects.toThrow('upstream down');
    await expect(second).rejects.toThrow('bad arguments');
    expect(await third).toBe('third ran');
    // All slots free again: a new task starts at once.
    let startedAtOnce = false;
    const fourth = limit(async () => {
      startedAtOnce = true;
    });
    expect(startedAtOnce).toBe(true);
    await fourth;
  });

  it('refuses a concurrency below 1', () => {
    expect(() => createLimiter(0)).toThrow('expected a concurrency of at least 1, got 0');
  });
});
