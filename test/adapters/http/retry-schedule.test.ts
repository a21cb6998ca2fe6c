/** The house retry loop with a vendor's own schedule (`delayMs`): used when no `Retry-After` came. */
import { describe, expect, it } from 'vitest';
import { type AttemptOutcome, retry } from '../../../src/adapters/http';

const throttled = (retryAfterMs: number | null): AttemptOutcome<string> => ({
  done: false,
  error: new Error('429'),
  retryable: true,
  retryAfterMs,
});

describe('retry with delayMs', () => {
  it('waits the schedule between attempts, the upstream wait when it named one, and stops after maxRetries', async () => {
    const waits: number[] = [];
    const afters = [null, 3_000, null, null];
    let attempts = 0;
    const failure = await retry(
      async (n) => {
        attempts = n;
        return throttled(afters[n - 1] ?? null);
      },
      {
        maxRetries: 3,
        baseDelayMs: 1_000,
        delayMs: (i) => 1_000 * 2 ** i + 7,
        sleep: async (ms) => {
          waits.push(ms);
        },
      },
    ).catch((error: unknown) => error);
    expect((failure as Error).message).toBe('429');
    expect(attempts).toBe(4);
    expect(waits).toEqual([1_007, 3_000, 4_007]);
  });

  it('answers the first done attempt', async () => {
    const waits: number[] = [];
    const value = await retry(async (n) => (n < 2 ? throttled(null) : { done: true, value: `attempt ${n}` }), {
      maxRetries: 3,
      baseDelayMs: 1_000,
      delayMs: () => 5,
      sleep: async (ms) => {
        waits.push(ms);
      },
    });
    expect(value).toBe('attempt 2');
    expect(waits).toEqual([5]);
  });
});
