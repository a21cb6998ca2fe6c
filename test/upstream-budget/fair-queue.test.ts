import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CredentialBudget, FairQueue, LocalTokenSource, type RateLimit } from '../../src/upstream-budget';

describe('fair queue', () => {
  it('serves practices in turn, then keys within a practice in turn, FIFO within a key', () => {
    const queue = new FairQueue<string>();
    for (let i = 1; i <= 4; i++) queue.push('A', 'kiosk', `A-kiosk-${i}`);
    queue.push('A', 'portal', 'A-portal-1');
    queue.push('B', 'kiosk', 'B-kiosk-1');
    queue.push('B', 'kiosk', 'B-kiosk-2');
    const order: string[] = [];
    while (queue.size > 0) {
      const next = queue.peek()!;
      queue.take(next);
      order.push(next.item);
    }
    expect(order).toEqual(['A-kiosk-1', 'B-kiosk-1', 'A-portal-1', 'B-kiosk-2', 'A-kiosk-2', 'A-kiosk-3', 'A-kiosk-4']);
  });
});

describe('credential budget: fair turns when tokens are scarce (fake timers)', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 0 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('a practice flooding the credential delays another by at most its one turn', async () => {
    // 10 per second, burst 1: one call every ~111 ms.
    const limits: RateLimit[] = [{ name: 'per-second', limit: 10, windowMs: 1000, burst: 1 }];
    const budget = new CredentialBudget({ limits, source: new LocalTokenSource(limits) });
    const served: string[] = [];
    const calls: Promise<void>[] = [];
    const call = (practiceId: string, n: number) =>
      calls.push(
        budget.acquire({ practiceId, apiKey: 'k', endpoint: '/charges' }).then(() => void served.push(`${practiceId}${n}`)),
      );
    for (let i = 1; i <= 50; i++) call('A', i);
    await vi.advanceTimersByTimeAsync(300); // A has had its first few calls
    call('B', 1);
    call('B', 2);
    await vi.advanceTimersByTimeAsync(10_000);
    await Promise.all(calls);
    const b1 = served.indexOf('B1');
    const b2 = served.indexOf('B2');
    const aBefore = served.indexOf('B1');
    // B's calls alternate with A's instead of waiting behind A's 47 remaining calls.
    expect(b2 - b1).toBe(2);
    expect(served[b1 + 1]!.startsWith('A')).toBe(true);
    expect(aBefore).toBeLessThanOrEqual(5);
    expect(served).toHaveLength(52);
  });

  it('a call on another limit is not stuck behind a call waiting for an exhausted one', async () => {
    const limits: RateLimit[] = [
      { name: 'patients', limit: 1, windowMs: 60_000, endpointsStartingWith: ['/patients'] },
      { name: 'others', limit: 100, windowMs: 1000, exceptEndpointsStartingWith: ['/patients'] },
    ];
    const budget = new CredentialBudget({ limits, source: new LocalTokenSource(limits) });
    const answered = await budget.acquire({ practiceId: 'A', apiKey: 'k', endpoint: '/patients' });
    answered(); // answered at once: the limit's one place frees a window later
    let patientsServed = false;
    const waiting = budget.acquire({ practiceId: 'A', apiKey: 'k', endpoint: '/patients/{id}' }).then(() => {
      patientsServed = true;
    });
    let chargesServed = false;
    const charges = budget.acquire({ practiceId: 'B', apiKey: 'k', endpoint: '/charges' }).then(() => {
      chargesServed = true;
    });
    await vi.advanceTimersByTimeAsync(5);
    expect(chargesServed).toBe(true);
    expect(patientsServed).toBe(false);
    await vi.advanceTimersByTimeAsync(60_000);
    await Promise.all([waiting, charges]);
    expect(patientsServed).toBe(true);
  });
});
