/**
 * The four per-patient ledger lists of NexHealth (`/charges`, `/payments`, `/adjustments`,
 * `/claims`) as data: endpoint, row schema, mapping, whose row it is, what to include, and whether the
 * list can be scanned location-wide. Each is read the same three ways, below: by patient, by
 * guarantor (a family's rows in one call) and location-wide.
 */
import type { z } from 'zod';
import type { AdjustmentRecord, BatchResult, ChargeRecord, ClaimRecord, PaymentRecord } from '../port';
import type { NexhealthClient } from './client';
import { mapAdjustment, mapCharge, mapClaim, mapPayment } from './mapping';
import { listAll } from './pagination';
import { perKey, toError } from './per-key';
import { LOCATION_SCAN_SINCE } from './scans';
import { adjustmentSchema, chargeSchema, claimSchema, paymentSchema } from './schemas';

/** One list: how its rows are read and whose they are. */
export interface ByPatientKind<S extends z.ZodType, R> {
  endpoint: string;
  schema: S;
  map: (row: z.output<S>) => R;
  patientOf: (row: z.output<S>) => string;
  include?: string[];
  /** The list documents `updated_since`, so a location-wide scan is possible. */
  scannable: boolean;
}

export const CHARGES: ByPatientKind<typeof chargeSchema, ChargeRecord> = {
  endpoint: '/charges',
  schema: chargeSchema,
  map: mapCharge,
  patientOf: (r) => r.patient_id,
  include: ['claim_payouts'],
  scannable: true,
};

export const PAYMENTS: ByPatientKind<typeof paymentSchema, PaymentRecord> = {
  endpoint: '/payments',
  schema: paymentSchema,
  map: mapPayment,
  patientOf: (r) => r.patient_id,
  scannable: true,
};

export const ADJUSTMENTS: ByPatientKind<typeof adjustmentSchema, AdjustmentRecord> = {
  endpoint: '/adjustments',
  schema: adjustmentSchema,
  map: mapAdjustment,
  patientOf: (r) => r.patient_id,
  scannable: true,
};

export const CLAIMS: ByPatientKind<typeof claimSchema, ClaimRecord> = {
  endpoint: '/claims',
  schema: claimSchema,
  map: mapClaim,
  patientOf: (r) => r.patient_id,
  scannable: false,
};

/** What reading a list needs from the adapter: its client, its location and its options. */
export interface ListReader {
  client: NexhealthClient;
  locationId: string;
  perPage: number;
  /** More patients than this in one batch (and a scannable list): one location-wide scan instead. */
  locationScanThreshold: number;
}

/** Every row of `kind` at the reader's location that `filter` selects (all its pages). */
function rowsOf<S extends z.ZodType, R>(
  reader: ListReader,
  kind: ByPatientKind<S, R>,
  filter: Record<string, string>,
): Promise<Array<z.output<S>>> {
  const include = kind.include ? { 'include[]': kind.include } : {};
  return listAll(
    reader.client,
    { endpoint: kind.endpoint, path: kind.endpoint, query: { location_id: reader.locationId, ...filter, ...include } },
    kind.schema,
    reader.perPage,
  );
}

/**
 * Up to `locationScanThreshold` patients: one list call per patient (under the client's concurrency
 * limit). More (and the list documents `updated_since`): ONE location-wide scan, grouped by patient.
 * Not async, nor its per-patient reads: a promise and a turn fewer on every list read.
 */
export function readByPatient<S extends z.ZodType, R>(
  reader: ListReader,
  ids: readonly string[],
  kind: ByPatientKind<S, R>,
): Promise<BatchResult<R[]>> {
  if (kind.scannable && ids.length > reader.locationScanThreshold) {
    const unique = [...new Set(ids)];
    if (unique.length > reader.locationScanThreshold) return scanByPatient(reader, ids, unique, kind);
  }
  return perKey(ids, (id) =>
    rowsOf(reader, kind, { patient_id: id }).then((rows) => rows.filter((row) => kind.patientOf(row) === id).map(kind.map)),
  );
}

/** The location-wide scan of `readByPatient`, grouped by patient; a failure fails every id. */
async function scanByPatient<S extends z.ZodType, R>(
  reader: ListReader,
  ids: readonly string[],
  unique: readonly string[],
  kind: ByPatientKind<S, R>,
): Promise<BatchResult<R[]>> {
  try {
    const rows = await rowsOf(reader, kind, { updated_since: LOCATION_SCAN_SINCE });
    const wanted = new Set(unique);
    const groups = new Map<string, R[]>(unique.map((id) => [id, []]));
    for (const row of rows) {
      const patientId = kind.patientOf(row);
      if (wanted.has(patientId)) groups.get(patientId)!.push(kind.map(row));
    }
    return ids.map((id) => groups.get(id)!);
  } catch (err) {
    const error = toError(err);
    return ids.map(() => error);
  }
}

/**
 * One list call per guarantor with the documented † filter `guarantor_id`: every row of her family,
 * hers included. The filter selects by the patient's guarantor, and a guarantor's own rows may
 * carry `guarantor_id` equal to her id, `0` or `null` (all three mean "own guarantor", see
 * src/sandbox/nexhealth/README.md), so rows are never filtered on that field here: a row's
 * `patient_id` alone says whose ledger it belongs to, and the caller keeps the family's patients.
 */
export function readByGuarantor<S extends z.ZodType, R>(
  reader: ListReader,
  ids: readonly string[],
  kind: ByPatientKind<S, R>,
): Promise<BatchResult<R[]>> {
  return perKey(ids, (id) => rowsOf(reader, kind, { guarantor_id: id }).then((rows) => rows.map(kind.map)));
}
