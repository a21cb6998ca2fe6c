/**
 * `GET …/Messages.json`: newest first, filtered by `To`, `From`, `DateSent`, `DateSent<`, `DateSent>`
 * (ISO 8601 or `YYYY-MM-DD`; `>`/`<` inclusive, as Twilio's `DateSent>=` reads; a message not sent
 * yet has no `date_sent` and never matches a date filter), paged by `PageSize` (default 50, at most
 * 1000) and `Page`, with `next_page_uri` carrying the filters (null on the last page).
 */
import { TwilioError } from './sim';
import { messageJson, type SimMessage } from './wire';

function dateOf(name: string, value: string | undefined): number | null {
  if (value === undefined) return null;
  const ms = Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T00:00:00Z` : value);
  if (Number.isNaN(ms)) throw new TwilioError({ code: 20001, status: 400, message: `Invalid ${name}: ${value}` });
  return ms;
}

function intOf(name: string, value: string | undefined, fallback: number, max: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > max)
    throw new TwilioError({ code: 20001, status: 400, message: `Invalid ${name}: ${value}` });
  return n;
}

export function listMessages(messages: readonly SimMessage[], accountSid: string, params: Record<string, string | undefined>) {
  const after = dateOf('DateSent>', params['DateSent>']);
  const before = dateOf('DateSent<', params['DateSent<']);
  const on = dateOf('DateSent', params.DateSent);
  const pageSize = Math.max(1, intOf('PageSize', params.PageSize, 50, 1000));
  const page = intOf('Page', params.Page, 0, Number.MAX_SAFE_INTEGER);
  const dated = after !== null || before !== null || on !== null;
  const matching = messages
    .filter((m) => (params.To === undefined || m.to === params.To) && (params.From === undefined || m.from === params.From))
    .filter((m) => {
      if (!dated) return true;
      if (m.dateSent === null) return false;
      if (after !== null && m.dateSent < after) return false;
      if (before !== null && m.dateSent > before) return false;
      if (on !== null && (m.dateSent < on || m.dateSent >= on + 86_400_000)) return false;
      return true;
    })
    .sort((a, b) => b.dateCreated - a.dateCreated);
  const start = page * pageSize;
  const slice = matching.slice(start, start + pageSize);
  const base = `/2010-04-01/Accounts/${accountSid}/Messages.json`;
  const uriFor = (p: number) => {
    const query = new URLSearchParams();
    for (const name of ['To', 'From', 'DateSent', 'DateSent<', 'DateSent>'] as const) {
      const value = params[name];
      if (value !== undefined) query.set(name, value);
    }
    query.set('PageSize', String(pageSize));
    query.set('Page', String(p));
    return `${base}?${query}`;
  };
  return {
    messages: slice.map(messageJson),
    end: start + Math.max(slice.length, 1) - 1,
    first_page_uri: uriFor(0),
    next_page_uri: start + pageSize < matching.length ? uriFor(page + 1) : null,
    page,
    page_size: pageSize,
    previous_page_uri: page > 0 ? uriFor(page - 1) : null,
    start,
    uri: uriFor(page),
  };
}
