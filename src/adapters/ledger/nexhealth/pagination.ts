/**
 * Cursor pagination over NexHealth list endpoints: `per_page` on every call, `end_cursor` to go
 * forward while `page_info.has_next_page`, to the last page. Rows with `deleted_at` set are dropped
 * before parsing (they never count); every other row must match the item schema.
 *
 *     const charges = await listAll(client, { endpoint: '/charges', path: '/charges',
 *       query: { location_id: '7', patient_id: '42', 'include[]': ['claim_payouts'] } }, chargeSchema, 1000);
 */
import { z } from 'zod';
import type { CallSpec, NexhealthClient } from './client';
import { ShapeError } from './client';
import { UpstreamError } from '../port';
import { isDeletedRow, safeParseRow, type Envelope } from './schemas';

export interface ListPage<T> {
  items: T[];
  endCursor: string | null;
  hasNextPage: boolean;
}

/** Guard against an upstream whose cursor never ends. */
const MAX_PAGES = 10_000;

/**
 * Rows parsed between two turns of the event loop. A full page (1,000 charges with their payouts)
 * takes the parser well over 10 ms; in one go that would hold back every other request's I/O on
 * this process, including the sends this very operation is waiting to make.
 */
const ROWS_PER_TURN = 100;

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * The rows of a list envelope: `data` must be an array; deleted rows are dropped; every other row
 * must match `itemSchema` (a ZodError whose issue paths start at the row's index otherwise). A row
 * schema of schemas.ts is read by its fast path (`safeParseRow`, wire.ts).
 */
export async function parseListData<S extends z.ZodType>(envelope: Envelope, itemSchema: S): Promise<Array<z.output<S>>> {
  return parseListDataNow(envelope, itemSchema);
}

/**
 * `parseListData`, with the rows as a value when they fit in one turn (up to `ROWS_PER_TURN`, so
 * every per-patient list): a page that is parsed at once needs no promise, and the read it answers
 * no extra turn. A fault is thrown at once then. Longer pages yield between turns, as a promise.
 */
export function parseListDataNow<S extends z.ZodType>(
  envelope: Envelope,
  itemSchema: S,
): Array<z.output<S>> | Promise<Array<z.output<S>>> {
  if (!Array.isArray(envelope.data)) {
    throw new ShapeError(`expected "data" to be an array of rows, got ${envelope.data === null ? 'null' : typeof envelope.data}`);
  }
  const rows = envelope.data.filter((row) => !isDeletedRow(row));
  const items: Array<z.output<S>> = new Array(rows.length);
  if (rows.length <= ROWS_PER_TURN) {
    parseRows(rows, itemSchema, items, 0, rows.length);
    return items;
  }
  return (async () => {
    for (let from = 0; from < rows.length; from += ROWS_PER_TURN) {
      if (from > 0) await nextTurn();
      parseRows(rows, itemSchema, items, from, Math.min(rows.length, from + ROWS_PER_TURN));
    }
    return items;
  })();
}

/** Rows `from` to `to` (exclusive) into `items`; a ZodError with the row's index in its paths otherwise. */
function parseRows<S extends z.ZodType>(
  rows: unknown[],
  itemSchema: S,
  items: Array<z.output<S>>,
  from: number,
  to: number,
): void {
  for (let i = from; i < to; i++) {
    const parsed = safeParseRow(itemSchema, rows[i]);
    if (!parsed.success) {
      throw new z.ZodError(parsed.error.issues.map((issue) => ({ ...issue, path: [i, ...issue.path] })));
    }
    items[i] = parsed.data;
  }
}

/**
 * One page: `per_page` always sent, `end_cursor` when `after` is given. `onPageInfo` hears the
 * page's cursor as soon as the envelope is read, before its rows are parsed, so the next page can
 * already be on its way.
 */
export function listPage<S extends z.ZodType>(
  client: NexhealthClient,
  spec: CallSpec,
  itemSchema: S,
  perPage: number,
  after: string | null,
  onPageInfo?: (info: { endCursor: string | null; hasNextPage: boolean }) => void,
): Promise<ListPage<z.output<S>>> {
  const query = { ...spec.query, per_page: perPage, ...(after !== null ? { end_cursor: after } : {}) };
  // The page as a value when its rows parse at once (parseListDataNow): no promise of its own.
  return client.read({ ...spec, query }, (envelope): ListPage<z.output<S>> | Promise<ListPage<z.output<S>>> => {
    const info = envelope.page_info;
    const endCursor = info?.end_cursor == null || info.end_cursor === '' ? null : String(info.end_cursor);
    const hasNextPage = info?.has_next_page === true;
    if (Array.isArray(envelope.data)) onPageInfo?.({ endCursor, hasNextPage });
    const items = parseListDataNow(envelope, itemSchema);
    return items instanceof Promise
      ? items.then((rows) => ({ items: rows, endCursor, hasNextPage }))
      : { items, endCursor, hasNextPage };
  });
}

/**
 * Every row, following `end_cursor` while `has_next_page`, to the last page. Pages are requested
 * one after another (a cursor comes only with the page before), but each next request leaves as
 * soon as its cursor is read, while the rows of the page before are still being parsed.
 */
export async function listAll<S extends z.ZodType>(
  client: NexhealthClient,
  spec: CallSpec,
  itemSchema: S,
  perPage: number,
): Promise<Array<z.output<S>>> {
  type Page = ListPage<z.output<S>>;
  // Pages requested ahead of their turn, by cursor: only the page being read asks for the next
  // one, so at most one page is ahead and a failure wastes at most one call. A failed one is
  // thrown only when its turn comes (until then its rejection is marked handled). Once this call
  // has returned or thrown, none is requested.
  const ahead = new Map<string, Promise<Page>>();
  let reading = 0; // the index of the page the loop below waits for
  let finished = false;
  const fetchPage = (after: string | null, index: number): Promise<Page> =>
    listPage(client, spec, itemSchema, perPage, after, ({ endCursor, hasNextPage }) => {
      if (finished || index !== reading || !hasNextPage || endCursor === null || endCursor === after || ahead.has(endCursor))
        return;
      const next = fetchPage(endCursor, index + 1);
      next.catch(() => undefined);
      ahead.set(endCursor, next);
    });
  const unavailable = (why: string) =>
    new UpstreamError(
      `NexHealth GET ${spec.endpoint} (${spec.path}) unavailable: ${why}`,
      'UPSTREAM_UNAVAILABLE',
      null,
      spec.endpoint,
    );

  const all: Array<z.output<S>> = [];
  const seen = new Set<string>();
  let after: string | null = null;
  try {
    for (let page = 0; page < MAX_PAGES; page++) {
      reading = page;
      const result: Page = await (after === null ? fetchPage(null, page) : (ahead.get(after) ?? fetchPage(after, page)));
      for (const item of result.items) all.push(item);
      if (!result.hasNextPage) return all;
      if (result.endCursor === null || seen.has(result.endCursor)) {
        throw unavailable(
          `expected a new page_info.end_cursor while has_next_page is true, got ${result.endCursor === null ? 'none' : 'a repeated cursor'}`,
        );
      }
      seen.add(result.endCursor);
      after = result.endCursor;
    }
    throw unavailable(`more than ${MAX_PAGES} pages; giving up`);
  } finally {
    finished = true;
  }
}
