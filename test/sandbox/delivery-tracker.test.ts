/**
 * The simulators' shared delivery bookkeeping on its own: `idle()` waits for tracked work and for
 * scheduled retries (and a cancelled retry can never leave it waiting), `waitFor()` resolves on an
 * attempt recorded before or after the call, `reset()` forgets deliveries but not the id counter,
 * and `takeHeld()` plans releases in the order asked. Time is a fake clock.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DeliveryTracker, isAcknowledged, takeHeld } from '../../src/sandbox/shared/delivery-tracker';

interface Attempt {
  status: number | null;
}
interface Delivery {
  id: string;
  state: 'held' | 'pending' | 'delivered';
  attempts: Attempt[];
}

const delivery = (tracker: DeliveryTracker<Delivery, Attempt>, state: Delivery['state'] = 'pending') =>
  tracker.add({ id: tracker.nextId(), state, attempts: [] });

describe('DeliveryTracker', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 0 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('idle() waits for a scheduled retry and for the work the retry starts', async () => {
    const tracker = new DeliveryTracker<Delivery, Attempt>();
    const d = delivery(tracker);
    let settleSend: () => void = () => {};
    tracker.schedule(1_000, () => {
      void tracker.track(
        new Promise<void>((resolve) => {
          settleSend = resolve;
        }).then(() => tracker.record(d, { status: 204 })),
      );
    });
    let idle = false;
    void tracker.idle().then(() => {
      idle = true;
    });
    await vi.advanceTimersByTimeAsync(999);
    expect(idle).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(idle).toBe(false); // the retry fired; its send is still in flight
    settleSend();
    await vi.waitFor(() => expect(idle).toBe(true));
    expect(d.attempts).toEqual([{ status: 204 }]);
  });

  it('a cancelled retry never runs and releases idle()', async () => {
    const tracker = new DeliveryTracker<Delivery, Attempt>();
    const run = vi.fn();
    tracker.schedule(5_000, run);
    const idle = tracker.idle();
    tracker.reset();
    await idle;
    await vi.advanceTimersByTimeAsync(10_000);
    expect(run).not.toHaveBeenCalled();
  });

  it('waitFor() resolves on an attempt recorded before or after the call', async () => {
    const tracker = new DeliveryTracker<Delivery, Attempt>();
    const first = delivery(tracker);
    const second = delivery(tracker);
    tracker.record(first, { status: 500 });
    await expect(tracker.waitFor((_, a) => a.status === 500)).resolves.toBe(first);
    const later = tracker.waitFor((_, a) => isAcknowledged(a.status));
    tracker.record(second, { status: null });
    tracker.record(second, { status: 202 });
    await expect(later).resolves.toBe(second);
  });

  it('reset() forgets the deliveries; ids are never reused', () => {
    const tracker = new DeliveryTracker<Delivery, Attempt>({ idPrefix: 'wh_' });
    const before = delivery(tracker);
    tracker.reset();
    expect(tracker.deliveries).toEqual([]);
    expect(tracker.has(before)).toBe(false);
    expect([before.id, delivery(tracker).id]).toEqual(['wh_1', 'wh_2']);
  });
});

describe('takeHeld', () => {
  const held = (ids: string[]): Delivery[] => ids.map((id) => ({ id, state: 'held', attempts: [] }));

  it('marks only held deliveries pending, newest first with reverse, each copy after its original', () => {
    const list = [...held(['a', 'b']), { id: 'c', state: 'delivered' as const, attempts: [] }];
    const plan = takeHeld(list, { order: 'reverse', duplicate: true });
    expect(plan.map((s) => `${s.delivery.id}${s.copy ? '+' : ''}`)).toEqual(['b', 'b+', 'a', 'a+']);
    expect(list.map((d) => d.state)).toEqual(['pending', 'pending', 'delivered']);
    expect(takeHeld(list)).toEqual([]);
  });

  it('shuffles by seed only: the same seed, the same order', () => {
    const ids = ['a', 'b', 'c', 'd', 'e', 'f'];
    const order = (seed: number) => takeHeld(held(ids), { order: 'shuffle', seed }).map((s) => s.delivery.id);
    expect(order(7)).toEqual(order(7));
    expect([...order(7)].sort()).toEqual(ids);
    expect(takeHeld(held(ids)).map((s) => s.delivery.id)).toEqual(ids);
  });
});
