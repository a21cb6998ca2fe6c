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
import { isDeletedRow, type Envelope } from './schemas';

export interface ListPage<T> {
  items: T[];
  endCursor: string | null;
  hasNextPage: boolean;
}

/** Guard against an upstream whose cursor never ends. */
const MAX_PAGES = 10_000;

/** The rows of a list envelope: `data` must be an array; deleted rows are dropped. */
export function parseListData<S extends z.ZodType>(envelope: Envelope, itemSchema: S): Array<z.output<S>> {
  if (!Array.isArray(envelope.data)) {
    throw new ShapeError(`expected "data" to be an array of rows, got ${envelope.data === null ? 'null' : typeof envelope.data}`);
  }
  return z.array(itemSchema).parse(envelope.data.filter((row) => !isDeletedRow(row)));
}

/** One page: `per_page` always sent, `end_cursor` when `after` is given. */
export async function listPage<S extends z.ZodType>(
  client: NexhealthClient,
  spec: CallSpec,
  itemSchema: S,
  perPage: number,
  after: string | null,
): Promise<ListPage<z.output<S>>> {
  const query = { ...spec.query, per_page: perPage, ...(after !== null ? { end_cursor: after } : {}) };
  return client.read({ ...spec, query }, (envelope) => {
    const items = parseListData(envelope, itemSchema);
    const info = envelope.page_info;
    const endCursor = info?.end_cursor == null || info.end_cursor === '' ? null : String(info.end_cursor);
    return { items, endCursor, hasNextPage: info?.has_next_page === true };
  });
}

/** Every row, following `end_cursor` while `has_next_page`, to the last page. */
export async function listAll<S extends z.ZodType>(
  client: NexhealthClient,
  spec: CallSpec,
  itemSchema: S,
  perPage: number,
): Promise<Array<z.output<S>>> {
  const all: Array<z.output<S>> = [];
  const seen = new Set<string>();
  let after: string | null = null;
  for (let page = 0; page < MAX_PAGES; page++) {
    const result: ListPage<z.output<S>> = await listPage(client, spec, itemSchema, perPage, after);
    all.push(...result.items);
    if (!result.hasNextPage) return all;
    if (result.endCursor === null || seen.has(result.endCursor)) {
      throw new UpstreamError(
        `NexHealth GET ${spec.endpoint} (${spec.path}) unavailable: expected a new page_info.end_cursor while has_next_page is true, got ${result.endCursor === null ? 'none' : 'a repeated cursor'}`,
        'UPSTREAM_UNAVAILABLE',
        null,
        spec.endpoint,
      );
    }
    seen.add(result.endCursor);
    after = result.endCursor;
  }
  throw new UpstreamError(
    `NexHealth GET ${spec.endpoint} (${spec.path}) unavailable: more than ${MAX_PAGES} pages; giving up`,
    'UPSTREAM_UNAVAILABLE',
    null,
    spec.endpoint,
  );
}
