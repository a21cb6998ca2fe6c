import { describe, expect, it } from 'vitest';
import { checkBackoff, DEFAULT_BACKOFF, retryDelayMs } from '../../src/jobs/backoff';
import { errorText } from '../../src/jobs/queue';

describe('retryDelayMs', () => {
  it('walks an explicit list and repeats its last wait', () => {
    const list = { delaysMs: [1_000, 5_000, 15_000, 60_000, 300_000] };
    expect([1, 2, 3, 4, 5, 6, 50].map((n) => retryDelayMs(list, n, () => 0.9))).toEqual([
      1_000, 5_000, 15_000, 60_000, 300_000, 300_000, 300_000,
    ]);
  });

  it('grows exponentially up to the cap, jitter only ever shortening a wait', () => {
    const curve = { baseMs: 1_000, factor: 2, maxMs: 10_000 };
    expect([1, 2, 3, 4, 5, 500].map((n) => retryDelayMs(curve, n))).toEqual([1_000, 2_000, 4_000, 8_000, 10_000, 10_000]);
    expect(retryDelayMs(DEFAULT_BACKOFF, 1, () => 0)).toBe(1_000);
    expect(retryDelayMs(DEFAULT_BACKOFF, 1, () => 0.999_999)).toBe(800);
    expect(retryDelayMs({ ...curve, jitter: 1 }, 2, () => 0.25)).toBe(1_500);
  });

  it('refuses options that describe no wait, naming the field and the value', () => {
    expect(() => checkBackoff({ delaysMs: [1, -1] }, 'define("x")')).toThrow(
      'define("x"): backoff.delaysMs must hold non-negative milliseconds, got [1,-1]',
    );
    expect(() => checkBackoff({ baseMs: 10, maxMs: 5 }, 'w')).toThrow('w: backoff.maxMs must be at least baseMs, got 5');
    expect(() => checkBackoff({ baseMs: 10, maxMs: 50, jitter: 2 }, 'w')).toThrow(
      'w: backoff.jitter must be a number from 0 to 1, got 2',
    );
  });
});

describe('errorText', () => {
  it('keeps code and message, never the stack, and blanks URL passwords and bearer tokens', () => {
    const error = Object.assign(new Error('GET https://api:s3cret@vendor.example/x failed: Bearer abc.def-123'), {
      code: 'UPSTREAM_UNAVAILABLE',
    });
    expect(errorText(error)).toBe('UPSTREAM_UNAVAILABLE: GET https://api:***@vendor.example/x failed: Bearer [redacted]');
    expect(errorText('plain')).toBe('plain');
    expect(errorText({ status: 503 })).toBe('a non-Error value was thrown: {"status":503}');
  });
});
