import { describe, expect, it } from 'vitest';
import { createInProcessStatusBus } from '../../src/transactions/status-bus';
import { drainNow } from './harness';

const ev = (practiceId: string, transactionId: string) => ({ practiceId, transactionId });
/** An event as delivered: the ids plus the publication's id the bus stamps on it. */
const delivered = (practiceId: string, transactionId: string) => ({ practiceId, transactionId, eventId: expect.any(String) });

describe('in-process status bus', () => {
  it('delivers to the matching filters only', async () => {
    const bus = createInProcessStatusBus();
    const practice = bus.subscribe({ practiceId: 'p1' });
    const one = bus.subscribe({ practiceId: 'p1', transactionId: 'LG:1' });
    const nullFilter = bus.subscribe({ practiceId: 'p1', transactionId: null });
    const other = bus.subscribe({ practiceId: 'p2' });
    await bus.publish(ev('p1', 'LG:1'));
    await bus.publish(ev('p1', 'LG:2'));
    await bus.publish(ev('p2', 'LG:3'));
    expect(await drainNow(practice)).toEqual([delivered('p1', 'LG:1'), delivered('p1', 'LG:2')]);
    expect(await drainNow(one)).toEqual([delivered('p1', 'LG:1')]);
    expect(await drainNow(nullFilter)).toEqual([delivered('p1', 'LG:1'), delivered('p1', 'LG:2')]);
    expect(await drainNow(other)).toEqual([delivered('p2', 'LG:3')]);
    await bus.close();
  });

  it('wakes a waiting consumer and works with for await', async () => {
    const bus = createInProcessStatusBus();
    const sub = bus.subscribe({ practiceId: 'p1' });
    const got: string[] = [];
    const consumer = (async () => {
      for await (const event of sub) {
        got.push(event.transactionId);
        if (got.length === 2) break; // break calls return(): unsubscribes
      }
    })();
    await bus.publish(ev('p1', 'LG:1'));
    await bus.publish(ev('p1', 'LG:2'));
    await consumer;
    expect(got).toEqual(['LG:1', 'LG:2']);
    expect(bus.subscriberCount).toBe(0);
    await bus.close();
  });

  it('unsubscribes on return(): a pending next() ends, nothing more is queued', async () => {
    const bus = createInProcessStatusBus();
    const sub = bus.subscribe({ practiceId: 'p1' });
    expect(bus.subscriberCount).toBe(1);
    const waiting = sub.next();
    await sub.return();
    expect(await waiting).toEqual({ done: true, value: undefined });
    await bus.publish(ev('p1', 'LG:1'));
    expect(await sub.next()).toEqual({ done: true, value: undefined });
    expect(bus.subscriberCount).toBe(0);
    await bus.close();
  });

  it('bounds a slow subscriber’s queue by dropping the oldest, and counts the drops', async () => {
    const drops: number[] = [];
    const bus = createInProcessStatusBus({ maxQueue: 3, onDrop: (_f, n) => drops.push(n) });
    const slow = bus.subscribe({ practiceId: 'p1' });
    const fast = bus.subscribe({ practiceId: 'p1', transactionId: 'LG:5' });
    for (let i = 1; i <= 5; i += 1) await bus.publish(ev('p1', `LG:${i}`));
    expect(slow.dropped).toBe(2);
    expect(drops).toEqual([1, 2]);
    expect((await drainNow(slow)).map((e) => e.transactionId)).toEqual(['LG:3', 'LG:4', 'LG:5']);
    expect(fast.dropped).toBe(0);
    expect(await drainNow(fast)).toEqual([delivered('p1', 'LG:5')]);
    await bus.close();
  });

  it('close() ends every subscription and later ones start ended', async () => {
    const bus = createInProcessStatusBus();
    const sub = bus.subscribe({ practiceId: 'p1' });
    const waiting = sub.next();
    await bus.close();
    expect((await waiting).done).toBe(true);
    expect((await bus.subscribe({ practiceId: 'p1' }).next()).done).toBe(true);
    await bus.publish(ev('p1', 'LG:1'));
  });

  it('hands each subscriber its own copy of the event', async () => {
    const bus = createInProcessStatusBus();
    const a = bus.subscribe({ practiceId: 'p1' });
    const b = bus.subscribe({ practiceId: 'p1' });
    const event = ev('p1', 'LG:1');
    await bus.publish(event);
    const [fromA] = await drainNow(a);
    fromA!.transactionId = 'tampered';
    expect(await drainNow(b)).toEqual([delivered('p1', 'LG:1')]);
    await bus.close();
  });

  it('stamps one id per publication, the same for every subscriber that receives it', async () => {
    const bus = createInProcessStatusBus();
    const a = bus.subscribe({ practiceId: 'p1' });
    const b = bus.subscribe({ practiceId: 'p1', transactionId: 'LG:1' });
    await bus.publish(ev('p1', 'LG:1'));
    await bus.publish(ev('p1', 'LG:1'));
    const fromA = await drainNow(a);
    const fromB = await drainNow(b);
    expect(fromA.map((e) => e.eventId)).toEqual(fromB.map((e) => e.eventId));
    expect(new Set(fromA.map((e) => e.eventId)).size).toBe(2);
    await bus.close();
  });
});
