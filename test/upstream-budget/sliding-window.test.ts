import { describe, expect, it } from 'vitest';
import { nexhealthRateLimits } from '../../src/adapters/ledger/nexhealth/rate-limits';
import { LocalTokenSource, plannedCalls, SlidingWindow } from '../../src/upstream-budget';

describe('sliding window (the in-process budget of a limit without a burst rule)', () => {
  it('lets a whole window of calls go at once; a call counts until a window after its answer', () => {
    let now = 1_000;
    const window = new SlidingWindow({ planned: 90, windowMs: 1_000 }, () => now);
    for (let i = 0; i < 90; i++) expect(window.take()).toBe(0);
    // All 90 in flight: nothing frees a place until one is answered.
    expect(window.take()).toBe(1_000);
    now += 300;
    window.finish(); // answered at 1,300: its place is free again at 2,300
    expect(window.take()).toBe(1_000);
    now += 999;
    expect(window.take()).toBe(1);
    now += 1;
    expect(window.take()).toBe(0);
    expect(window.pending).toBe(90);
  });

  it('never lets any interval of a window receive more than the plan, however late each call arrives', () => {
    // Random grants, random arrival delays (0–400 ms: a slow network, a blocked event loop) and
    // answers after arrival: the vendor's view is the arrival times.
    let seed = 7;
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    let now = 0;
    const window = new SlidingWindow({ planned: 20, windowMs: 1_000 }, () => now);
    const arrivals: number[] = [];
    const answers: number[] = []; // pending answer times
    for (let step = 0; step < 20_000; step++) {
      now += Math.floor(random() * 5);
      answers.sort((a, b) => a - b);
      while (answers.length > 0 && answers[0]! <= now) {
        answers.shift();
        window.finish();
      }
      if (window.take() === 0) {
        const arrival = now + Math.floor(random() * 400);
        arrivals.push(arrival);
        answers.push(arrival + Math.floor(random() * 100));
      }
    }
    arrivals.sort((a, b) => a - b);
    let worst = 0;
    for (let i = 0, j = 0; i < arrivals.length; i++) {
      while (arrivals[i]! - arrivals[j]! >= 1_000) j++;
      worst = Math.max(worst, i - j + 1);
    }
    expect(worst).toBeLessThanOrEqual(20);
    expect(arrivals.length).toBeGreaterThan(400); // it did not just refuse everything
  });

  it("NexHealth's page of 40 reads goes at once in-process, its 91st call in flight waits for an answer", async () => {
    let now = 0;
    const source = new LocalTokenSource(nexhealthRateLimits.limits, () => now);
    const names = ['per-second', 'others-per-minute'];
    expect(plannedCalls(nexhealthRateLimits.limits[0]!)).toBe(90);
    for (let i = 0; i < 90; i++) expect(await source.take(names)).toBe(0);
    expect(await source.take(names)).toBeGreaterThan(0);
    source.finish(names);
    now += 1_000;
    expect(await source.take(names)).toBe(0);
  });
});
