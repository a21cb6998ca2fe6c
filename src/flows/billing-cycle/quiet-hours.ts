/**
 * Quiet hours: no reminder leaves between `[from, to]` in the practice's time zone. Pure; the
 * calendar arithmetic (offsets, DST gaps and overlaps) is luxon's, never ours.
 *
 *     nextSendTime(new Date('2030-03-10T02:30:00Z'), { quietHours: ['21:00', '08:00'], timeZone: 'America/New_York' })
 *     // 2030-03-10T12:00:00Z: 21:30 on the 9th in New York is quiet; 08:00 on the 10th is already EDT
 *
 * The span may cross midnight (`["21:00", "08:00"]`: 21:00 … 23:59 and 00:00 … 07:59 are quiet) or
 * not (`["12:00", "13:00"]`). Equal times mean no quiet hours. `from` is quiet, `to` is not.
 */
import { DateTime } from 'luxon';

export interface QuietHours {
  /** `[from, to]`, each `"HH:MM"` in `timeZone`. */
  quietHours: readonly [string, string];
  /** An IANA zone name (`America/New_York`). */
  timeZone: string;
}

function minutesOf(clock: string): number {
  const match = /^(\d{2}):(\d{2})$/.exec(clock);
  if (!match) throw new Error(`expected a time of day "HH:MM", got "${clock}"`);
  return Number(match[1]) * 60 + Number(match[2]);
}

/** Whether `at` falls inside the quiet hours, read on the practice's wall clock. */
export function isQuiet(at: Date, rule: QuietHours): boolean {
  const from = minutesOf(rule.quietHours[0]);
  const to = minutesOf(rule.quietHours[1]);
  if (from === to) return false;
  const local = DateTime.fromJSDate(at, { zone: rule.timeZone });
  const now = local.hour * 60 + local.minute;
  return from < to ? now >= from && now < to : now >= from || now < to;
}

/**
 * `at` itself when it is not quiet, else the instant the quiet hours end: the first `to` on the
 * practice's wall clock after `at`. Where a DST gap swallows `to` (02:00 on a spring-forward night),
 * luxon moves it forward to the first instant that exists.
 */
export function nextSendTime(at: Date, rule: QuietHours): Date {
  if (!isQuiet(at, rule)) return at;
  const to = minutesOf(rule.quietHours[1]);
  const local = DateTime.fromJSDate(at, { zone: rule.timeZone });
  let end = local.startOf('day').set({ hour: Math.floor(to / 60), minute: to % 60 });
  if (end <= local)
    end = local
      .startOf('day')
      .plus({ days: 1 })
      .set({ hour: Math.floor(to / 60), minute: to % 60 });
  return end.toJSDate();
}
