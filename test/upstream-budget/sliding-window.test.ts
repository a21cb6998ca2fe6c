import { describe, expect, it } from 'vitest';
import { LocalTokenSource, plannedCalls, SlidingWindow } from '../../src/upstream-budget';
import { nexhealthRateLimits } from '../../src/adapters/ledger/nexhealth/rate-limits';

describe('sliding window (the in-process budget of a limit without a burst rule)', () => {
  it('lets a whole window of calls go at once, then the next one when the oldest is a window old', () => {
    let now = 1_000;
    const window = new SlidingWindow({ planned: 90, windowMs: 1_000 }, () => now);
    for (let i = 0; i < 90; i++) expect(window.take()).toBe(0);
    expect(window.take()).toBe(1_000);
    now += 999;
    expect(window.take()).toBe(1);
    now += 1;
    // The first 90 are all a window old now: 90 more may go, the 181st waits for the 91st to age.
    for (let i = 0; i < 90; i++) expect(window.take()).toBe(0);
    expect(window.take()).toBe(1_000);
  });

  it('never lets any interval of one window hold more than the planned calls (random arrivals)', () => {
    let now = 0;
    const window = new SlidingWindow({ planned: 20, windowMs: 1_000 }, () => now);
    const sent: number[] = [];
    let seed = 7;
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    for (let step = 0; step < 5_000; step++) {
      now += Math.floor(random() * 40);
      if (window.take() === 0) sent.push(now);
    }
    let worst = 0;
    for (let i = 0, j = 0; i < sent.length; i++) {
      while (sent[i]! - sent[j]! >= 1_000) j++;
      worst = Math.max(worst, i - j + 1);
    }
    expect(worst).toBe(20);
    expect(sent.length).toBeGreaterThan(20 * ((now / 1_000) * 0.9));
  });

  it("NexHealth's page of 40 reads goes at once in-process (no pacing), its 91st call in a second waits", async () => {
    let now = 0;
    const source = new LocalTokenSource(nexhealthRateLimits.limits, () => now);
    const names = ['per-second', 'others-per-minute'];
    const perSecond = plannedCalls(nexhealthRateLimits.limits[0]!);
    expect(perSecond).toBe(90);
    for (let i = 0; i < perSecond; i++) expect(await source.take(names)).toBe(0);
    expect(await source.take(names)).toBeGreaterThan(0);
    now += 1_000;
    expect(await source.take(names)).toBe(0);
  });
});
