/**
 * The billing cycle's pure rules: quiet hours (crossing midnight, DST changes in New York), the
 * selection with its frequency cap and suppression list, masking and normalizing recipients, and
 * what a message says (practice name, amount, link; nothing else).
 */
import { describe, expect, it } from 'vitest';
import { reminderContent, reminderText } from '../../../src/flows/billing-cycle/message';
import { isQuiet, nextSendTime } from '../../../src/flows/billing-cycle/quiet-hours';
import { maskRecipient, normalizeEmail, normalizePhone } from '../../../src/flows/billing-cycle/recipients';
import { flagKey, selectGuarantors, type Candidate } from '../../../src/flows/billing-cycle/selection';

const NY = { quietHours: ['21:00', '08:00'] as const, timeZone: 'America/New_York' };
const at = (iso: string) => new Date(iso);

describe('quiet hours', () => {
  // 2030-06-14 is summer time in New York (UTC-4).
  it('cross midnight on the practice clock: 21:00 … 07:59 is quiet, 08:00 … 20:59 is not', () => {
    expect(isQuiet(at('2030-06-15T00:59:00Z'), NY)).toBe(false); // 20:59
    expect(isQuiet(at('2030-06-15T01:00:00Z'), NY)).toBe(true); // 21:00
    expect(isQuiet(at('2030-06-15T03:30:00Z'), NY)).toBe(true); // 23:30
    expect(isQuiet(at('2030-06-15T04:30:00Z'), NY)).toBe(true); // 00:30
    expect(isQuiet(at('2030-06-15T11:59:00Z'), NY)).toBe(true); // 07:59
    expect(isQuiet(at('2030-06-15T12:00:00Z'), NY)).toBe(false); // 08:00
  });

  it('a reminder due in them waits for their end, the next morning or the same one', () => {
    expect(nextSendTime(at('2030-06-15T03:30:00Z'), NY).toISOString()).toBe('2030-06-15T12:00:00.000Z'); // 23:30 → 08:00
    expect(nextSendTime(at('2030-06-15T04:30:00Z'), NY).toISOString()).toBe('2030-06-15T12:00:00.000Z'); // 00:30 → 08:00
    expect(nextSendTime(at('2030-06-15T14:00:00Z'), NY).toISOString()).toBe('2030-06-15T14:00:00.000Z'); // 10:00: now
  });

  it('end at 08:00 on the new offset across the spring-forward night (EST → EDT)', () => {
    // 21:30 EST on 2030-03-09; clocks jump 02:00 → 03:00 on the 10th; 08:00 EDT is 12:00Z, not 13:00Z.
    expect(nextSendTime(at('2030-03-10T02:30:00Z'), NY).toISOString()).toBe('2030-03-10T12:00:00.000Z');
  });

  it('end at 08:00 on the new offset across the fall-back night (EDT → EST)', () => {
    // 21:30 EDT on 2030-11-02; clocks go back 02:00 → 01:00 on the 3rd; 08:00 EST is 13:00Z.
    expect(nextSendTime(at('2030-11-03T01:30:00Z'), NY).toISOString()).toBe('2030-11-03T13:00:00.000Z');
  });

  it('an end the spring-forward gap swallows (02:30) moves to the first instant that exists', () => {
    const rule = { quietHours: ['21:00', '02:30'] as const, timeZone: 'America/New_York' };
    const end = nextSendTime(at('2030-03-10T02:30:00Z'), rule);
    expect(end.getTime()).toBeGreaterThan(at('2030-03-10T02:30:00Z').getTime());
    expect(isQuiet(end, rule)).toBe(false);
    expect(end.toISOString()).toBe('2030-03-10T07:30:00.000Z'); // 03:30 EDT
  });

  it('a span within one day, and equal times (none)', () => {
    const lunch = { quietHours: ['12:00', '13:00'] as const, timeZone: 'Europe/Berlin' };
    expect(isQuiet(at('2030-01-10T11:30:00Z'), lunch)).toBe(true); // 12:30 CET
    expect(isQuiet(at('2030-01-10T12:00:00Z'), lunch)).toBe(false); // 13:00 CET
    expect(isQuiet(at('2030-01-10T03:00:00Z'), { quietHours: ['08:00', '08:00'], timeZone: 'UTC' })).toBe(false);
  });
});

describe('selection', () => {
  const candidate = (over: Partial<Candidate>): Candidate => ({
    guarantorId: '1',
    patientSourceId: '1',
    amount: 5_000,
    phone: '555-201-7919',
    email: 'dana@example.com',
    ...over,
  });
  const rules = {
    minBalance: 1_000,
    channels: ['SMS', 'EMAIL'] as const,
    remindedSince: new Set<string>(),
    flagged: new Set<string>(),
  };

  it('chooses a guarantor at or above the minimum with her normalized recipients', () => {
    const { chosen, skipped } = selectGuarantors([candidate({ amount: 1_000 })], rules);
    expect(chosen).toHaveLength(1);
    expect(chosen[0]!.recipients).toEqual([
      { channel: 'SMS', to: '+15552017919' },
      { channel: 'EMAIL', to: 'dana@example.com' },
    ]);
    expect(Object.values(skipped).every((n) => n === 0)).toBe(true);
  });

  it('skips by the first rule that applies: minimum, frequency cap, contact, suppression', () => {
    const { chosen, skipped } = selectGuarantors(
      [
        candidate({ guarantorId: 'low', amount: 999 }),
        candidate({ guarantorId: 'credit', amount: -2_500 }),
        candidate({ guarantorId: 'recent', amount: 90_000 }),
        candidate({ guarantorId: 'none', phone: '12', email: 'not-an-address' }),
        candidate({ guarantorId: 'stopped', phone: '5552017919', email: null }),
        candidate({ guarantorId: 'half', phone: '5552017919', email: 'half@example.com' }),
      ],
      { ...rules, remindedSince: new Set(['recent']), flagged: new Set([flagKey('SMS', '+15552017919')]) },
    );
    expect(skipped).toEqual({ BELOW_MIN_BALANCE: 2, RECENTLY_REMINDED: 1, NO_CONTACT: 1, SUPPRESSED: 1 });
    // A guarantor with one channel left still gets that one.
    expect(chosen.map((c) => [c.guarantorId, c.recipients.map((r) => r.channel)])).toEqual([['half', ['EMAIL']]]);
  });

  it("uses only the cycle's channels", () => {
    const { chosen, skipped } = selectGuarantors([candidate({ email: null })], { ...rules, channels: ['EMAIL'] });
    expect(chosen).toEqual([]);
    expect(skipped.NO_CONTACT).toBe(1);
  });
});

describe('recipients', () => {
  it('masks a number to its last four digits and an address to its first letter and domain', () => {
    expect(maskRecipient('SMS', '+15552011234')).toBe('***-***-1234');
    expect(maskRecipient('EMAIL', 'dana.alvarez@example.com')).toBe('d***@example.com');
  });

  it('normalizes US numbers to E.164 and keeps an international one; refuses what cannot be one', () => {
    expect(normalizePhone('(555) 201-7919')).toBe('+15552017919');
    expect(normalizePhone('1-555-201-7919')).toBe('+15552017919');
    expect(normalizePhone('+44 20 7946 0958')).toBe('+442079460958');
    expect(normalizePhone('201-7919')).toBeNull();
    expect(normalizeEmail(' Dana@Example.COM ')).toBe('dana@example.com');
    expect(normalizeEmail('dana@')).toBeNull();
  });
});

describe('message', () => {
  const facts = { practiceName: 'Smile Dental', amount: 12_550, payUrl: 'https://gw.example/pay/Zt9' };

  it('says the practice, the amount and the link, and nothing else', () => {
    const text = reminderText(facts, 'SMS');
    expect(text).toBe(
      'Smile Dental: you have a balance of $125.50. Pay securely at https://gw.example/pay/Zt9 Reply STOP to opt out.',
    );
    expect(reminderText(facts, 'EMAIL')).not.toContain('STOP');
    expect(reminderContent(facts)).toEqual({
      practiceName: 'Smile Dental',
      patientFirstName: null,
      amount: 12_550,
      payUrl: 'https://gw.example/pay/Zt9',
      dueDate: null,
    });
  });
});
