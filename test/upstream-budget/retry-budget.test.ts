import { describe, expect, it } from 'vitest';
import { RetryBudget } from '../../src/upstream-budget';

describe('retry budget (fake clock)', () => {
  it('allows retries up to the ratio of recent first attempts, then refuses', () => {
    const now = 0;
    const budget = new RetryBudget({ ratio: 0.1, windowMs: 10_000, minRetries: 2 }, () => now);
    for (let i = 0; i < 100; i++) budget.recordFirstAttempt();
    let allowed = 0;
    while (budget.trySpend()) allowed++;
    expect(allowed).toBe(10);
    expect(budget.trySpend()).toBe(false);
  });

  it('keeps a small floor for a quiet credential, and forgets attempts older than the window', () => {
    let now = 0;
    const budget = new RetryBudget({ ratio: 0.1, windowMs: 10_000, minRetries: 2 }, () => now);
    budget.recordFirstAttempt();
    expect([budget.trySpend(), budget.trySpend(), budget.trySpend()]).toEqual([true, true, false]);
    for (let i = 0; i < 100; i++) budget.recordFirstAttempt();
    expect(budget.trySpend()).toBe(true); // 101 first attempts: 10 retries, 3 spent
    now += 10_000; // the window has moved past all of them
    expect([budget.trySpend(), budget.trySpend(), budget.trySpend()]).toEqual([true, true, false]);
  });
});
