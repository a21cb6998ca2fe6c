/**
 * `GET /v1/{practiceid}/departments`: one page (`limit`/`offset`, default page size small so paging is
 * exercised) of the practice's departments with `totalcount` as a string and `next`/`previous` as
 * paths, ids and provider group ids alternating between numbers and strings.
 */
import { nonNegativeInt, positiveInt } from '../http';
import type { SimPractice } from '../seed';
import { idNum } from '../wire-values';

export function departments(practice: SimPractice, url: URL, defaultPageSize: number) {
  const limit = positiveInt(url.searchParams.get('limit')) ?? defaultPageSize;
  const offset = nonNegativeInt(url.searchParams.get('offset')) ?? 0;
  const all = practice.departments;
  const page = all.slice(offset, offset + limit).map((d, i) => ({
    departmentid: (offset + i) % 2 === 0 ? d.departmentid : idNum(d.departmentid),
    name: d.name,
    providergroupid: (offset + i) % 2 === 0 ? idNum(d.providergroupid) : d.providergroupid,
    providergroupname: d.providergroupname,
    creditcardtypes: d.creditcardtypes,
    timezonename: d.timezonename,
  }));
  const link = (o: number): string => {
    const q = new URLSearchParams(url.searchParams);
    q.set('limit', String(limit));
    q.set('offset', String(o));
    return `/v1/${practice.practiceid}/departments?${q.toString()}`;
  };
  const out: Record<string, unknown> = { totalcount: String(all.length), departments: page };
  if (offset + limit < all.length) out.next = link(offset + limit);
  if (offset > 0) out.previous = link(Math.max(0, offset - limit));
  return out;
}
