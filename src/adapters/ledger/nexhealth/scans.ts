/**
 * NexHealth's location-wide lists, one page per call, for the practice-wide reports
 * (`capabilities.practiceReports`) and the billing cycle's selection: `GET /guarantor_balances`,
 * `GET /payments` and `GET /patients`, each scoped by `location_id`. The first two need one of their
 * † filters (the NexHealth spec, "Reads"): `updated_since` is the one that means "the whole
 * location", the epoch for a full scan and the last refresh for a snapshot's refresh.
 *
 *     const page = await guarantorBalancePage(client, '7', { first: 1000, after: null });
 *     const next = page.hasNextPage ? await guarantorBalancePage(client, '7', { first: 1000, after: page.endCursor }) : null;
 *
 * Pages are zod-checked row by row with the row schemas' fast path (`parseListData`, wire.ts: a
 * report reads thousands of rows on the event loop that also serves single patients, 100 rows
 * between two turns of it); a row of another location is dropped (a guarantor seen at several
 * locations keeps one record per location).
 */
import { z } from 'zod';
import type { GuarantorBalanceRecord, Page, PatientRecord, PaymentRecord, ScanArgs, ScanPage } from '../port';
import type { CallSpec, NexhealthClient } from './client';
import { mapGuarantorBalance, mapPatient, mapPayment } from './mapping';
import { parseListData } from './pagination';
import { guarantorBalanceSchema, idSchema, isDeletedRow, patientSchema, paymentSchema, type Envelope } from './schemas';

/** The documented † filter that turns a list into a location-wide scan of every row. */
export const LOCATION_SCAN_SINCE = '1970-01-01T00:00:00Z';

/** NexHealth's `per_page` ceiling (above it: 400). */
const MAX_PER_PAGE = 1000;

function perPageOf(args: ScanArgs): number {
  return Math.max(1, Math.min(MAX_PER_PAGE, Math.floor(args.first)));
}

const deletedRowSchema = z.object({ id: idSchema });

/** The location's guarantor A/R records, zero balances included (a paid-off family is news to a snapshot). */
export async function guarantorBalancePage(
  client: NexhealthClient,
  locationId: string,
  args: ScanArgs,
): Promise<Page<GuarantorBalanceRecord>> {
  const query = { show_zero_balances: true, updated_since: args.updatedSince ?? LOCATION_SCAN_SINCE, location_id: locationId };
  const page = await scanPage(client, { endpoint: '/guarantor_balances', path: '/guarantor_balances', query }, args, (envelope) =>
    parseListData(envelope, guarantorBalanceSchema),
  );
  return {
    items: page.items.filter((r) => r.location_id === locationId || r.location_id === null).map(mapGuarantorBalance),
    endCursor: page.endCursor,
    hasNextPage: page.hasNextPage,
  };
}

/**
 * The location's payments. A refresh (`updatedSince` set) asks for deleted rows too
 * (`include_deleted=true`): a payment deleted since the snapshot comes back as a removal, never as
 * a row that counts.
 */
export async function paymentPage(client: NexhealthClient, locationId: string, args: ScanArgs): Promise<ScanPage<PaymentRecord>> {
  const refresh = args.updatedSince != null;
  const query = {
    location_id: locationId,
    updated_since: args.updatedSince ?? LOCATION_SCAN_SINCE,
    ...(refresh ? { include_deleted: true } : {}),
  };
  let removedIds: string[] = [];
  const page = await scanPage(client, { endpoint: '/payments', path: '/payments', query }, args, (envelope) => {
    const rows = Array.isArray(envelope.data) ? envelope.data : [];
    removedIds = rows.filter(isDeletedRow).map((row) => deletedRowSchema.parse(row).id);
    return parseListData(envelope, paymentSchema);
  });
  return { items: page.items.map(mapPayment), removedIds, endCursor: page.endCursor, hasNextPage: page.hasNextPage };
}

/** The location's patients (names for the receivables; `updatedSince` for a refresh). */
export async function patientPage(client: NexhealthClient, locationId: string, args: ScanArgs): Promise<Page<PatientRecord>> {
  const query = { location_id: locationId, ...(args.updatedSince != null ? { updated_since: args.updatedSince } : {}) };
  const page = await scanPage(client, { endpoint: '/patients', path: '/patients', query }, args, (envelope) =>
    parseListData(envelope, patientSchema),
  );
  return { items: page.items.map(mapPatient), endCursor: page.endCursor, hasNextPage: page.hasNextPage };
}

/** One page of a scan: `per_page` always sent, `end_cursor` when `args.after` is given. */
async function scanPage<T>(
  client: NexhealthClient,
  spec: CallSpec,
  args: ScanArgs,
  rowsOf: (envelope: Envelope) => Promise<T[]>,
): Promise<Page<T>> {
  const query = { ...spec.query, per_page: perPageOf(args), ...(args.after !== null ? { end_cursor: args.after } : {}) };
  return client.read({ ...spec, query }, async (envelope) => {
    const info = envelope.page_info;
    const endCursor = info?.end_cursor == null || info.end_cursor === '' ? null : String(info.end_cursor);
    return { items: await rowsOf(envelope), endCursor, hasNextPage: info?.has_next_page === true };
  });
}
