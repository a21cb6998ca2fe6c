/**
 * zod schemas of NexHealth's wire format (API v20240412), as the NexHealth spec gives it.
 *
 * Tolerant where the spec says so (unknown claim statuses, nullable fields, `description` as a string,
 * a list of strings or null, ids as numbers or strings), strict about money: every monetary field of a
 * read is `{ amount, currency }` and is turned into integer cents with `parseWireAmount`, never a float.
 *
 *     const charge = parseRow(chargeSchema, row);   // charge.fee is cents; the same as chargeSchema.parse(row)
 *
 * Each row schema (`rowSchema`, wire.ts) is the row's wire shape with no transform inside and a
 * plain conversion to the row the adapter reads. The adapter reads rows with `parseRow` /
 * `safeParseRow` (and `parseListData`), which check the shape on zod's fast path and convert
 * outside zod; as zod schemas they give the same rows and issues, for composition (webhooks) and
 * tests. A bad amount is a custom issue at the field's path. The ledger, balance and reference
 * rows are in ledger-rows.ts, re-exported here.
 */
import { z } from 'zod';
import { description, idSchema, nullableStringSchema, rowSchema, text, wireDescription, wireId, wireText } from './wire';

// ---------------------------------------------------------------------------------------------
// Scalars
// ---------------------------------------------------------------------------------------------

export { descriptionSchema, idSchema, moneySchema, nullableMoneySchema, parseRow, refSchema, safeParseRow } from './wire';
export * from './ledger-rows';

const nullableString = nullableStringSchema;

/** `deleted_at`: anything but null/absent/empty means the row is deleted. */
export function isDeletedRow(row: unknown): boolean {
  if (typeof row !== 'object' || row === null) return false;
  const deletedAt = (row as { deleted_at?: unknown }).deleted_at;
  return deletedAt !== null && deletedAt !== undefined && deletedAt !== '' && deletedAt !== false;
}

// ---------------------------------------------------------------------------------------------
// Envelope
// ---------------------------------------------------------------------------------------------

export const pageInfoSchema = z.object({
  has_previous_page: z.boolean().nullish(),
  has_next_page: z.boolean().nullish(),
  start_cursor: z.union([z.string(), z.number()]).nullish(),
  end_cursor: z.union([z.string(), z.number()]).nullish(),
});

/** `{ code, description, error, data, count?, page_info? }`; `data` is checked by the caller. */
export const envelopeSchema = rowSchema(
  z.object({
    code: z.boolean(),
    description: wireDescription,
    error: z.union([z.array(z.unknown()), z.string()]).nullish(),
    data: z.unknown().optional(),
    count: z.number().nullish(),
    page_info: pageInfoSchema.nullish(),
  }),
  (r) => ({
    ...r,
    description: description(r.description),
    error:
      r.error == null
        ? []
        : Array.isArray(r.error)
          ? r.error.map((e) => (typeof e === 'string' ? e : JSON.stringify(e)))
          : [r.error],
  }),
);
export type Envelope = z.infer<typeof envelopeSchema>;

export const authDataSchema = z.object({ token: z.string().min(1) });

// ---------------------------------------------------------------------------------------------
// Patients
// ---------------------------------------------------------------------------------------------

const bioSchema = z
  .object({
    non_patient: z.boolean().nullish(),
    date_of_birth: z.string().nullish(),
    cell_phone_number: z.string().nullish(),
    phone_number: z.string().nullish(),
  })
  .nullish();

const patientRow = z.object({
  id: wireId,
  first_name: wireText,
  last_name: wireText,
  name: wireText,
  email: wireText,
  // Numbers first, as NexHealth sends them (wire.ts, `wireId`).
  guarantor_id: z.union([z.number(), z.string()]).nullish(),
  bio: bioSchema,
  location_ids: z.array(z.union([z.number(), z.string()])).nullish(),
  inactive: z.boolean().nullish(),
});

const toWirePatient = <R extends z.output<typeof patientRow>>(row: R) => ({
  ...row,
  id: String(row.id),
  first_name: text(row.first_name),
  last_name: text(row.last_name),
  name: text(row.name),
  email: text(row.email),
});

export const patientSchema = rowSchema(patientRow, toWirePatient);
export type WirePatient = z.infer<typeof patientSchema>;

export const patientWithChildrenSchema = rowSchema(
  patientRow.extend({ children: z.array(z.unknown()).nullish() }),
  toWirePatient,
);

// ---------------------------------------------------------------------------------------------
// Writes and webhooks
// ---------------------------------------------------------------------------------------------

export const webhookEndpointSchema = z.object({
  id: idSchema,
  target_url: z.string(),
  secret_key: nullableString,
  active: z.boolean().nullish(),
});

export const INSERTION_EVENTS = [
  'payment_insertion.complete',
  'payment_insertion.failed',
  'adjustment_insertion.complete',
  'adjustment_insertion.failed',
] as const;

/** A webhook delivery body; `data.payments` / `data.adjustments` rows are parsed separately. */
export const webhookDeliverySchema = z.object({
  institution_id: z.union([z.string(), z.number()]).nullish(),
  webhook_subscription_id: z.union([z.string(), z.number()]).nullish(),
  resource_type: nullableString,
  event_name: z.enum(INSERTION_EVENTS),
  event_time: nullableString,
  delivery_errors: z.array(z.unknown()).nullish(),
  data: z.object({
    transaction_id: idSchema,
    payments: z.array(z.unknown()).nullish(),
    adjustments: z.array(z.unknown()).nullish(),
  }),
});
