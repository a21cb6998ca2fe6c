/**
 * Cursor pagination as the spec describes it: `per_page` (default 5, at most 1000; above → 400),
 * `end_cursor` to go forward, `start_cursor` to go back, and a `page_info` on every list answer.
 *
 * Rows are ordered by id. Cursors are opaque (base64url of a versioned position); a client must
 * send them back untouched. A malformed cursor, or both cursors at once, is a 400.
 */
import { badRequest, type PageInfo } from './envelope';

export const DEFAULT_PER_PAGE = 5;
export const MAX_PER_PAGE = 1000;

export interface PageRequest {
  perPage: number;
  after: number | null;
  before: number | null;
}

export interface PageResult<T> {
  items: T[];
  count: number;
  pageInfo: PageInfo;
}

export function encodeCursor(id: number): string {
  return Buffer.from(JSON.stringify({ v: 1, id }), 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string): number {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (value && typeof value === 'object' && (value as { v?: unknown }).v === 1) {
      const id = (value as { id?: unknown }).id;
      if (typeof id === 'number' && Number.isSafeInteger(id)) return id;
    }
  } catch {
    // fall through
  }
  throw badRequest(`Invalid cursor: ${cursor}`);
}

/** Read `per_page`, `end_cursor` and `start_cursor` from a query. */
export function readPageRequest(query: Record<string, string | string[]>): PageRequest {
  const raw = query['per_page'];
  let perPage = DEFAULT_PER_PAGE;
  if (raw !== undefined) {
    const text = Array.isArray(raw) ? '' : raw;
    if (!/^[0-9]+$/.test(text) || Number(text) < 1) throw badRequest('per_page must be a positive integer');
    perPage = Number(text);
    if (perPage > MAX_PER_PAGE) throw badRequest(`per_page must be less than or equal to ${MAX_PER_PAGE}`);
  }
  const end = single(query['end_cursor']);
  const start = single(query['start_cursor']);
  if (end && start) throw badRequest('Send either end_cursor or start_cursor, not both');
  return { perPage, after: end ? decodeCursor(end) : null, before: start ? decodeCursor(start) : null };
}

function single(value: string | string[] | undefined): string | null {
  if (value === undefined || value === '') return null;
  return Array.isArray(value) ? (value[value.length - 1] ?? null) : value;
}

/** One page of `rows` (any order; sorted here by id). */
export function paginate<T extends { id: number }>(rows: readonly T[], request: PageRequest): PageResult<T> {
  // Rows are kept in id order already (the seed and the store append increasing ids): at 20,000
  // patients a sort per page would be most of a page's time, so it runs only when needed.
  const inOrder = rows.every((row, i) => i === 0 || rows[i - 1]!.id < row.id);
  const sorted = inOrder ? rows : [...rows].sort((a, b) => a.id - b.id);
  let from: number;
  let to: number;
  if (request.before !== null) {
    const before = request.before;
    to = sorted.findIndex((r) => r.id >= before);
    if (to === -1) to = sorted.length;
    from = Math.max(0, to - request.perPage);
  } else {
    const after = request.after;
    from = after === null ? 0 : sorted.findIndex((r) => r.id > after);
    if (from === -1) from = sorted.length;
    to = Math.min(sorted.length, from + request.perPage);
  }
  const items = sorted.slice(from, to);
  return {
    items,
    count: sorted.length,
    pageInfo: {
      has_previous_page: from > 0,
      has_next_page: to < sorted.length,
      start_cursor: items.length ? encodeCursor(items[0]!.id) : null,
      end_cursor: items.length ? encodeCursor(items[items.length - 1]!.id) : null,
    },
  };
}
