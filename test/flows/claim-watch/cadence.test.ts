/**
 * The claim watch's cadence, pure: every rule of the polling section (24 h, 72 h after 30 quiet
 * days, NOT_FOUND twice then NEEDS_ATTENTION, one confirming inquiry 7 days after a final answer —
 * 14 for F3F — then STOPPED, E1/E2 every 4 h three times then daily, what needs the practice), and
 * the night slot in the practice's time zone.
 */
import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import {
  firstInquiryAt,
  nextStep,
  nightSlot,
  withinWatchWindow,
  type CadenceState,
  type InquiryOutcome,
} from '../../../src/flows/claim-watch/cadence';

const ZONE = 'America/New_York';
const NOW = new Date('2026-03-10T07:30:00Z'); // 03:30 in New York (EDT since 2026-03-08)
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const fresh: CadenceState = { polling: 'WATCHING', notFoundCount: 0, errorCount: 0, confirming: false, lastChangeAt: null };
const local = (d: Date | null) => (d ? DateTime.fromJSDate(d, { zone: ZONE }) : null);

describe('claim-watch cadence', () => {
  it('daily runs fall between 01:00 and 05:00 practice time, each claim at its own minute, about a day later', () => {
    const step = nextStep('G1', fresh, { kind: 'ANSWER', category: 'PENDING', statusCategoryCode: 'P1' }, true, NOW, ZONE);
    const at = local(step.nextInquiryAt)!;
    expect(at.hour).toBeGreaterThanOrEqual(1);
    expect(at.hour).toBeLessThan(5);
    const gap = step.nextInquiryAt!.getTime() - NOW.getTime();
    expect(gap).toBeGreaterThan(20 * HOUR);
    expect(gap).toBeLessThan(28 * HOUR);
    expect(step).toMatchObject({ polling: 'WATCHING', lastChangeAt: NOW.toISOString() });
    const slots = new Set(['a', 'b', 'c', 'd', 'e'].map((id) => local(nightSlot(id, NOW, ZONE))!.toFormat('HH:mm')));
    expect(slots.size).toBeGreaterThan(1);
  });

  it('every 72 h once 30 days pass without a change', () => {
    const quiet = { ...fresh, lastChangeAt: new Date(NOW.getTime() - 31 * DAY).toISOString() };
    const step = nextStep('G1', quiet, { kind: 'ANSWER', category: 'ACKNOWLEDGED', statusCategoryCode: 'A2' }, false, NOW, ZONE);
    const gap = step.nextInquiryAt!.getTime() - NOW.getTime();
    expect(gap).toBeGreaterThan(2.8 * DAY);
    expect(gap).toBeLessThan(3.2 * DAY);
  });

  it('NOT_FOUND: again after 3 days, twice; the third is NEEDS_ATTENTION', () => {
    const nf: InquiryOutcome = { kind: 'ANSWER', category: 'NOT_FOUND', statusCategoryCode: 'A4' };
    const one = nextStep('G1', fresh, nf, true, NOW, ZONE);
    const two = nextStep('G1', one, nf, false, NOW, ZONE);
    const three = nextStep('G1', two, nf, false, NOW, ZONE);
    expect([one.notFoundCount, two.notFoundCount]).toEqual([1, 2]);
    expect(one.nextInquiryAt!.getTime() - NOW.getTime()).toBeGreaterThan(2.8 * DAY);
    expect(two.polling).toBe('WATCHING');
    expect(three).toMatchObject({ polling: 'NEEDS_ATTENTION', nextInquiryAt: null });
  });

  it('a final answer gets one confirming inquiry 7 days later (F3F: 14), then polling stops', () => {
    const paid: InquiryOutcome = { kind: 'ANSWER', category: 'FINALIZED_PAID', statusCategoryCode: 'F1' };
    const first = nextStep('G1', fresh, paid, true, NOW, ZONE);
    expect(first).toMatchObject({ polling: 'WATCHING', confirming: true });
    expect(first.nextInquiryAt!.getTime() - NOW.getTime()).toBeGreaterThan(6.8 * DAY);
    expect(first.nextInquiryAt!.getTime() - NOW.getTime()).toBeLessThan(7.2 * DAY);
    expect(nextStep('G1', first, paid, false, NOW, ZONE)).toMatchObject({ polling: 'STOPPED', nextInquiryAt: null });
    const forwarded = nextStep(
      'G1',
      fresh,
      { kind: 'ANSWER', category: 'FINALIZED_OTHER', statusCategoryCode: 'F3F' },
      true,
      NOW,
      ZONE,
    );
    expect(forwarded.nextInquiryAt!.getTime() - NOW.getTime()).toBeGreaterThan(13.8 * DAY);
    // A refresh of a stopped claim, unchanged, leaves it stopped; a confirming inquiry that finds a
    // change confirms again rather than stopping on news.
    const stopped = nextStep('G1', first, paid, false, NOW, ZONE);
    expect(nextStep('G1', stopped, paid, false, NOW, ZONE)).toMatchObject({ polling: 'STOPPED', nextInquiryAt: null });
    expect(nextStep('G1', first, paid, true, NOW, ZONE)).toMatchObject({ polling: 'WATCHING', confirming: true });
  });

  it('E1/E2 and the payer\u2019s "cannot answer now": after 4 h three times, then daily', () => {
    let state: CadenceState = fresh;
    const gaps: number[] = [];
    for (let i = 0; i < 4; i += 1) {
      const step = nextStep('G1', state, { kind: 'ANSWER', category: 'ERROR', statusCategoryCode: 'E2' }, i === 0, NOW, ZONE);
      gaps.push(Math.round((step.nextInquiryAt!.getTime() - NOW.getTime()) / HOUR));
      state = step;
    }
    expect(gaps.slice(0, 3)).toEqual([4, 4, 4]);
    expect(gaps[3]).toBeGreaterThan(20);
    expect(
      nextStep('G1', fresh, { kind: 'PAYER_REJECTED', retry: true }, false, NOW, ZONE).nextInquiryAt!.getTime() - NOW.getTime(),
    ).toBe(4 * HOUR);
  });

  it('what the practice must fix stops polling: E0/E3/E4, REJECTED, AAA rejections, refused requests', () => {
    for (const outcome of [
      { kind: 'ANSWER', category: 'ERROR', statusCategoryCode: 'E0' },
      { kind: 'ANSWER', category: 'REJECTED', statusCategoryCode: 'A7' },
      { kind: 'PAYER_REJECTED', retry: false },
      { kind: 'REQUEST_REFUSED' },
    ] as const) {
      const step = nextStep('G1', fresh, outcome, false, NOW, ZONE);
      expect(step).toMatchObject({ polling: 'NEEDS_ATTENTION', nextInquiryAt: null });
      expect(step.attentionReason).toBeTruthy();
    }
    // The clearinghouse down: the next night's run, nothing stopped.
    expect(nextStep('G1', fresh, { kind: 'NEXT_CYCLE' }, false, NOW, ZONE).polling).toBe('WATCHING');
  });

  it('the first inquiry is 2 days after the claim, never in the past; the watch window is 2 to 365 days', () => {
    const first = local(firstInquiryAt('G1', '2026-03-01', NOW, ZONE))!;
    expect(first.toMillis()).toBeGreaterThanOrEqual(NOW.getTime());
    const later = local(firstInquiryAt('G1', '2026-03-09', NOW, ZONE))!;
    expect(later.toISODate()).toBe('2026-03-11');
    expect(withinWatchWindow('2026-03-09', '2026-03-10')).toBe(false);
    expect(withinWatchWindow('2026-03-08', '2026-03-10')).toBe(true);
    expect(withinWatchWindow('2025-03-09', '2026-03-10')).toBe(false);
  });
});
