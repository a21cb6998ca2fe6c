/**
 * Which guarantors owe what: the location's guarantor A/R records filtered (`minBalance`,
 * `maxBalance` on the aging total; `olderThan` a bucket: something owed in that bucket or an older
 * one), ordered (`TOTAL`, `OVER_90` or `NAME`, ascending or descending, ties by guarantor id) and
 * cut into pages by a cursor that carries the last entry's sort key and guarantor id. A page after a
 * cursor starts strictly after that (key, id) in the order, so pages never repeat or skip an entry
 * that kept its place, even when the snapshot was refreshed between two pages.
 *
 *     const page = receivablesPage(entries, { filter: { minBalance: 10_000, maxBalance: null, olderThan: null },
 *       order: { field: 'TOTAL', direction: 'DESC' }, first: 50, after: null });
 *     receivablesPage(entries, { ...same, after: page.endCursor });
 */
import { z } from 'zod';
import { AGING_BUCKET_KEYS, guarantorAging, type Aging } from '../aging';
import type { AgingBuckets, Cents, GuarantorBalanceRecord } from '../records';
import { ReportInputError } from './report-input';
import { compareIds } from '../invoice';

export type ReceivablesField = 'TOTAL' | 'OVER_90' | 'NAME';
export type SortDirection = 'ASC' | 'DESC';
export type AgingBucketName = 'CURRENT' | 'DAYS_31_TO_60' | 'DAYS_61_TO_90' | 'OVER_90';

export interface ReceivablesFilter {
  minBalance: Cents | null;
  maxBalance: Cents | null;
  olderThan: AgingBucketName | null;
}

export interface ReceivablesOrder {
  field: ReceivablesField;
  direction: SortDirection;
}

/** One guarantor's entry: her A/R record and her name (empty where the patient list lacks her). */
export interface ReceivableInput {
  record: GuarantorBalanceRecord;
  firstName: string;
  lastName: string;
}

export interface Receivable extends ReceivableInput {
  aging: Aging;
}

export interface ReceivablesPage {
  items: Receivable[];
  endCursor: string | null;
  hasNextPage: boolean;
  /** Entries passing the filter, over every page. */
  totalCount: number;
}

const BUCKET_INDEX: Record<AgingBucketName, number> = { CURRENT: 0, DAYS_31_TO_60: 1, DAYS_61_TO_90: 2, OVER_90: 3 };

type SortKey = number | string;

function sortKey(entry: Receivable, field: ReceivablesField): SortKey {
  if (field === 'TOTAL') return entry.aging.total;
  if (field === 'OVER_90') return entry.aging.buckets.over90;
  return `${entry.lastName.toLowerCase()}\u0000${entry.firstName.toLowerCase()}`;
}

/** Ids compare as numbers when both are plain integers (NexHealth's are), else as text: a total order either way. */
function compareKeys(a: SortKey, b: SortKey): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

const cursorSchema = z.object({
  v: z.literal(1),
  f: z.enum(['TOTAL', 'OVER_90', 'NAME']),
  d: z.enum(['ASC', 'DESC']),
  k: z.union([z.number().int(), z.string()]),
  id: z.string().min(1),
});

export function encodeReceivablesCursor(order: ReceivablesOrder, key: SortKey, id: string): string {
  return Buffer.from(JSON.stringify({ v: 1, f: order.field, d: order.direction, k: key, id }), 'utf8').toString('base64url');
}

/** Decode `after` for `order`; a ReportInputError when it is not a receivables cursor of that order (check it before reading). */
export function decodeReceivablesCursor(cursor: string, order: ReceivablesOrder): { key: SortKey; id: string } {
  let parsed: z.infer<typeof cursorSchema>;
  try {
    parsed = cursorSchema.parse(JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')));
  } catch {
    throw new ReportInputError('expected after to be an endCursor of receivables, got something else');
  }
  if (parsed.f !== order.field || parsed.d !== order.direction) {
    throw new ReportInputError(
      `expected after to come from a page ordered by ${order.field} ${order.direction}, got a cursor of ${parsed.f} ${parsed.d}`,
    );
  }
  return { key: parsed.k, id: parsed.id };
}

function owesInOrOlder(buckets: AgingBuckets, bucket: AgingBucketName): boolean {
  return AGING_BUCKET_KEYS.slice(BUCKET_INDEX[bucket]).some((key) => buckets[key] > 0);
}

/** A ReportInputError for a filter no entry could pass (check it before reading). */
export function checkReceivablesFilter(filter: ReceivablesFilter): void {
  if (filter.minBalance !== null && filter.maxBalance !== null && filter.minBalance > filter.maxBalance) {
    throw new ReportInputError(`expected minBalance at most maxBalance, got ${filter.minBalance} > ${filter.maxBalance} cents`);
  }
}

export function passesFilter(aging: Aging, filter: ReceivablesFilter): boolean {
  if (filter.minBalance !== null && aging.total < filter.minBalance) return false;
  if (filter.maxBalance !== null && aging.total > filter.maxBalance) return false;
  if (filter.olderThan !== null && !owesInOrOlder(aging.buckets, filter.olderThan)) return false;
  return true;
}

/** One page of receivables. `entries` is read once; only the entries after the cursor are sorted. */
export function receivablesPage(
  entries: Iterable<ReceivableInput>,
  args: { filter: ReceivablesFilter; order: ReceivablesOrder; first: number; after: string | null },
): ReceivablesPage {
  const { filter, order, first } = args;
  checkReceivablesFilter(filter);
  const after = args.after === null ? null : decodeReceivablesCursor(args.after, order);
  const sign = order.direction === 'ASC' ? 1 : -1;
  // Direction applies to the key and the id alike, so (key, id) is one total order either way.
  const compare = (a: { key: SortKey; id: string }, b: { key: SortKey; id: string }) =>
    sign * (compareKeys(a.key, b.key) || compareIds(a.id, b.id));
  let totalCount = 0;
  const rest: Array<{ key: SortKey; id: string; entry: Receivable }> = [];
  for (const input of entries) {
    const aging = guarantorAging(input.record);
    if (!passesFilter(aging, filter)) continue;
    totalCount++;
    const entry: Receivable = { ...input, aging };
    const keyed = { key: sortKey(entry, order.field), id: input.record.guarantorSourceId, entry };
    if (after && compare(keyed, after) <= 0) continue;
    rest.push(keyed);
  }
  rest.sort(compare);
  const page = rest.slice(0, first);
  const last = page[page.length - 1];
  return {
    items: page.map((k) => k.entry),
    endCursor: last ? encodeReceivablesCursor(order, last.key, last.id) : null,
    hasNextPage: rest.length > first,
    totalCount,
  };
}
