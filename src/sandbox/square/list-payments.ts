/**
 * `GET /v2/payments`: the time range, order, page size and the opaque cursor, as Square pages them.
 */
import { invalid, ok, type Reply } from './errors';
import type { Ctx } from './routes';
import type { SquareStore } from './store';
import { time } from './validate';

/** Square's largest (and default) page. */
const LIST_MAX = 100;

/** `GET /v2/payments`: created in [begin_time, end_time), newest first unless `sort_order=ASC`, pages by `cursor`. */
export function listPayments(store: SquareStore, { seller, query }: Ctx): Reply {
  const one = (key: string): string | undefined => {
    const value = query[key];
    return Array.isArray(value) ? value[0] : value;
  };
  const locationId = one('location_id');
  if (locationId !== undefined && locationId !== seller.locationId)
    throw invalid('INVALID_LOCATION', `Location ${locationId} is not a location of this seller.`, 'location_id');
  const now = store.now();
  const requestedBegin = time(one('begin_time'), 'begin_time');
  const requestedEnd = time(one('end_time'), 'end_time');
  const sortOrder = one('sort_order') ?? 'DESC';
  if (sortOrder !== 'ASC' && sortOrder !== 'DESC')
    throw invalid('INVALID_ENUM_VALUE', 'sort_order must be ASC or DESC.', 'sort_order');
  const limitText = one('limit');
  const limit = limitText === undefined ? LIST_MAX : Number(limitText);
  if (!Number.isInteger(limit) || limit < 1 || limit > LIST_MAX)
    throw invalid('INVALID_VALUE', `limit must be between 1 and ${LIST_MAX}.`, 'limit');
  // The cursor carries the first page's time range (its defaults included) and the offset.
  const signature = `${seller.merchantId}|${sortOrder}`;
  let begin = requestedBegin ?? now - 365 * 24 * 3600 * 1000;
  let end = requestedEnd ?? now + 1;
  let offset = 0;
  const cursor = one('cursor');
  if (cursor !== undefined) {
    const [sig, b, e, o, ...rest] = Buffer.from(cursor, 'base64url').toString('utf8').split('\n');
    const numbers = [b, e, o].every((x) => x !== undefined && /^-?\d+$/.test(x));
    if (sig !== signature || rest.length || !numbers || (requestedBegin !== undefined && requestedBegin !== Number(b)))
      throw invalid('INVALID_CURSOR', 'The cursor is not valid for this request.', 'cursor');
    begin = Number(b);
    end = requestedEnd ?? Number(e);
    offset = Number(o);
  }
  const all = store.listPayments(seller, begin, end, sortOrder);
  const page = all.slice(offset, offset + limit);
  const next =
    offset + limit < all.length
      ? Buffer.from(`${signature}\n${begin}\n${end}\n${offset + limit}`).toString('base64url')
      : undefined;
  // Square answers `{}` when nothing matches.
  return ok({ ...(page.length ? { payments: page.map((p) => store.paymentJson(p)) } : {}), ...(next ? { cursor: next } : {}) });
}
