import { describe, expect, it } from 'vitest';
import { bucketShape, limitsFor, TokenBucket } from '../../src/upstream-budget';
import { nexhealthRateLimits } from '../../src/adapters/ledger/nexhealth';

describe('token bucket (fake clock)', () => {
  it('spends its burst at once, then one token per refill interval', () => {
    let now = 0;
    const bucket = new TokenBucket(bucketShape({ name: 's', limit: 100, windowMs: 1000 }), () => now);
    let spent = 0;
    while (bucket.take() === 0) spent++;
    // It plans for 90 of the 100 (headroom for arrival jitter): a burst of a tenth of that…
    expect(spent).toBe(9);
    expect(bucket.take()).toBe(13); // …then 81 per s: the next token in ceil(1000/81) ms
    now += 13;
    expect(bucket.take()).toBe(0);
  });

  it('never lets more than the planned limit through in any window, whatever the arrival pattern', () => {
    let now = 0;
    const limit = { name: 'm', limit: 1000, windowMs: 60_000 };
    const bucket = new TokenBucket(bucketShape(limit), () => now);
    const sent: number[] = [];
    // A caller that tries every 7 ms for 5 minutes.
    for (now = 0; now < 300_000; now += 7) if (bucket.take() === 0) sent.push(now);
    let worst = 0;
    for (let i = 0, j = 0; i < sent.length; i++) {
      while (sent[i]! - sent[j]! >= limit.windowMs) j++;
      worst = Math.max(worst, i - j + 1);
    }
    expect(worst).toBeLessThanOrEqual(900); // 90 % of the limit, never more…
    expect(worst).toBeGreaterThan(850); // …and it does not waste it either
  });

  it('NexHealth declares 100/s for every call, 1,000/min on /patients*, 2,000/min elsewhere', () => {
    const { limits } = nexhealthRateLimits;
    expect(limitsFor(limits, '/patients/{id}')).toEqual(['per-second', 'patients-per-minute']);
    expect(limitsFor(limits, '/charges')).toEqual(['per-second', 'others-per-minute']);
    expect(limits.map((l) => [l.limit, l.windowMs])).toEqual([
      [100, 1000],
      [1000, 60_000],
      [2000, 60_000],
    ]);
  });
});
