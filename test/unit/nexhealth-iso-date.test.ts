/**
 * `toIsoDate` (src/adapters/ledger/nexhealth/mapping.ts): the `YYYY-MM-DD` a NexHealth date or
 * date-time starts with. Read by hand for speed; checked here against the regex it replaced, on
 * the listed cases and on strings drawn from the characters dates are made of.
 */
import { describe, expect, it } from 'vitest';
import { toIsoDate } from '../../src/adapters/ledger/nexhealth/mapping';

/** The definition: what `/^(\d{4}-\d{2}-\d{2})/` finds after leading whitespace. */
const byRegex = (value: string | null | undefined) => (value ? (/^(\d{4}-\d{2}-\d{2})/.exec(value.trim())?.[1] ?? null) : null);

describe('toIsoDate', () => {
  it('reads the date a date or date-time starts with, and nothing else', () => {
    expect(toIsoDate('2024-03-05')).toBe('2024-03-05');
    expect(toIsoDate('2024-03-05T10:30:00.000Z')).toBe('2024-03-05');
    expect(toIsoDate(' \t2024-03-05 ')).toBe('2024-03-05');
    for (const bad of [
      '',
      null,
      undefined,
      '2024-3-05',
      '20240305',
      '2024-03-0',
      '2024/03/05',
      '２０２４-03-05',
      'x2024-03-05',
    ]) {
      expect(toIsoDate(bad), String(bad)).toBeNull();
    }
  });

  it('agrees with the regex on 20,000 dates with a character or two changed, and random strings', () => {
    let seed = 42; // a fixed LCG: the same strings every run
    const next = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed;
    };
    const alphabet = '0123456789- T:Z.\u00a0/';
    let dates = 0;
    for (let n = 0; n < 20_000; n++) {
      let chars: string[];
      if (n % 2 === 0) {
        chars = [...' 2024-03-05T10:00:00Z'.slice(next() % 2, 11 + (next() % 11))];
        for (let k = next() % 3; k > 0; k--) chars[next() % chars.length] = alphabet[next() % alphabet.length]!;
      } else {
        chars = Array.from({ length: next() % 16 }, () => alphabet[next() % alphabet.length]!);
      }
      const value = chars.join('');
      expect(toIsoDate(value), JSON.stringify(value)).toBe(byRegex(value));
      if (byRegex(value) !== null) dates++;
    }
    expect(dates).toBeGreaterThan(2_000); // both kinds of answer were compared, not just nulls
  });
});
