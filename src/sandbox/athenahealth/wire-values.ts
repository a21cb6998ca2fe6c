/**
 * Loose wire values: how the sandbox writes booleans, ids and dates the way athenahealth does, so
 * that adapters must parse defensively (booleans as `"true"`/`"false"`, all-digit ids as JSON
 * numbers, payment dates as MM/DD/YYYY). Money has its own helpers in `../shared/wire-money.ts`.
 */

export const boolStr = (b: boolean): string => (b ? 'true' : 'false');

/** A numeric id as a JSON number when it is all digits, else the string. */
export const idNum = (id: string): number | string => (/^\d+$/.test(id) && id.length < 15 ? Number(id) : id);

export function mmddyyyy(d: Date): string {
  const mm = String(d.getUTCMonth() + 1).padStart(2, '0');
  const dd = String(d.getUTCDate()).padStart(2, '0');
  return `${mm}/${dd}/${d.getUTCFullYear()}`;
}
