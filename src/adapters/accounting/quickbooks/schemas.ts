/**
 * zod schemas of every QuickBooks Online payload the adapter reads (minor version 75): entities,
 * the query and change-data-capture envelopes, both casings of the fault envelope, the token
 * answer and both webhook formats. Objects are loose: QBO adds fields with minor versions, and the
 * adapter reads only what it names here.
 */
import { z } from 'zod';
import { MoneyError, parseWireAmount } from '../../../ledger/money';

/** A reference, `{ "value": "<Id>", "name"?: "…" }`. */
export const refSchema = z.looseObject({ value: z.string(), name: z.string().optional() });

const metaDataSchema = z.looseObject({
  CreateTime: z.string().optional(),
  LastUpdatedTime: z.string().optional(),
});

export const customerSchema = z.looseObject({
  Id: z.string(),
  SyncToken: z.string(),
  DisplayName: z.string(),
  Active: z.boolean().optional(),
  MetaData: metaDataSchema.optional(),
});
export type QboCustomer = z.output<typeof customerSchema>;

/**
 * An amount on QBO's wire (a JSON number of dollars) as integer cents, read through its decimal
 * text. More than two decimals is a malformed payload, never a rounding.
 */
const wireCentsSchema = z.number().transform((value, ctx) => {
  try {
    return parseWireAmount(value);
  } catch (error) {
    if (!(error instanceof MoneyError)) throw error;
    ctx.addIssue({ code: 'custom', message: error.message });
    return z.NEVER;
  }
});

/**
 * A SalesReceipt or a RefundReceipt: the fields the reconciliation reads. `TotalAmt` comes out as
 * integer cents. Deleted ones (CDC) carry little more than `Id` and `status`; every other one must
 * carry `TotalAmt`, because a missing total read as 0 would look like an accountant's void.
 */
export const receiptSchema = z
  .looseObject({
    Id: z.string(),
    SyncToken: z.string().optional(),
    TotalAmt: wireCentsSchema.optional(),
    TxnDate: z.string().optional(),
    CustomerRef: refSchema.optional(),
    PaymentRefNum: z.string().optional(),
    PrivateNote: z.string().optional(),
    status: z.string().optional(),
    MetaData: metaDataSchema.optional(),
  })
  .refine((r) => r.TotalAmt !== undefined || isDeleted(r), {
    message: 'expected TotalAmt on a receipt that is not deleted, got none',
    path: ['TotalAmt'],
  });
export type QboReceipt = z.output<typeof receiptSchema>;

/** A CDC row of a deleted entity: `status: "Deleted"`. */
export function isDeleted(receipt: { status?: string | undefined }): boolean {
  return receipt.status?.toLowerCase() === 'deleted';
}

/** `{"Customer": {…}, "time": …}` (a read by id, a create, a sparse update). */
export const customerResponseSchema = z.looseObject({ Customer: customerSchema });
export const salesReceiptResponseSchema = z.looseObject({ SalesReceipt: receiptSchema });
export const refundReceiptResponseSchema = z.looseObject({ RefundReceipt: receiptSchema });

/** `GET /query`: `{"QueryResponse": {"<Entity>": […], startPosition, maxResults}, "time"}`; no match → `{}`. */
export function queryResponseSchema<S extends z.ZodType>(entity: string, item: S) {
  return z.looseObject({
    QueryResponse: z.looseObject({ [entity]: z.array(item).optional() }),
  });
}

/** `GET /cdc`: `CDCResponse[0].QueryResponse[]`, one object per entity asked for. */
export const cdcResponseSchema = z.looseObject({
  CDCResponse: z
    .array(
      z.looseObject({
        QueryResponse: z
          .array(
            z.looseObject({
              SalesReceipt: z.array(receiptSchema).optional(),
              RefundReceipt: z.array(receiptSchema).optional(),
            }),
          )
          .optional(),
      }),
    )
    .min(1),
  time: z.string(),
});

// ---------------------------------------------------------------------------------------------
// Faults: `{"Fault": {"Error": [{Message, Detail, code, element}], type}}` and the 401 quirk,
// `{"fault": {"error": [{message, detail, code}], type}}`.
// ---------------------------------------------------------------------------------------------

const upperErrorSchema = z.looseObject({
  Message: z.string().optional(),
  Detail: z.string().optional(),
  code: z.union([z.string(), z.number()]).optional(),
  element: z.string().optional(),
});
const lowerErrorSchema = z.looseObject({
  message: z.string().optional(),
  detail: z.string().optional(),
  code: z.union([z.string(), z.number()]).optional(),
});

/** One fault, whatever its casing, in one shape. */
export interface QboFault {
  type: string | null;
  errors: Array<{ code: string | null; message: string; detail: string }>;
}

export const faultSchema = z.union([
  z.looseObject({ Fault: z.looseObject({ Error: z.array(upperErrorSchema), type: z.string().optional() }) }).transform(
    (body): QboFault => ({
      type: body.Fault.type ?? null,
      errors: body.Fault.Error.map((e) => ({
        code: e.code == null ? null : String(e.code),
        message: e.Message ?? '',
        detail: e.Detail ?? '',
      })),
    }),
  ),
  z.looseObject({ fault: z.looseObject({ error: z.array(lowerErrorSchema), type: z.string().optional() }) }).transform(
    (body): QboFault => ({
      type: body.fault.type ?? null,
      errors: body.fault.error.map((e) => ({
        code: e.code == null ? null : String(e.code),
        message: e.message ?? '',
        detail: e.detail ?? '',
      })),
    }),
  ),
]);

// ---------------------------------------------------------------------------------------------
// OAuth
// ---------------------------------------------------------------------------------------------

/** The refresh grant's answer. */
export const tokenResponseSchema = z.looseObject({
  token_type: z.string().optional(),
  access_token: z.string().min(1),
  expires_in: z.number().positive().optional(),
  refresh_token: z.string().min(1),
  x_refresh_token_expires_in: z.number().optional(),
});

// ---------------------------------------------------------------------------------------------
// Webhooks
// ---------------------------------------------------------------------------------------------

/** The legacy payload: `{"eventNotifications": [{realmId, dataChangeEvent: {entities: [...]}}]}`. */
export const legacyWebhookSchema = z.looseObject({
  eventNotifications: z.array(
    z.looseObject({
      realmId: z.string().min(1),
      dataChangeEvent: z.looseObject({
        entities: z.array(
          z.looseObject({
            name: z.string().min(1),
            id: z.string().min(1),
            operation: z.string().min(1),
            lastUpdated: z.string().optional(),
            deletedId: z.string().optional(),
          }),
        ),
      }),
    }),
  ),
});

/** The CloudEvents payload: a JSON array of events, `type` `qbo.<entity>.<operation>.v1`. */
export const cloudEventsWebhookSchema = z.array(
  z.looseObject({
    specversion: z.string().optional(),
    id: z.string().min(1),
    type: z.string().regex(/^qbo\.[a-z]+\.[a-z]+\.v\d+$/i, 'expected a type qbo.<entity>.<operation>.v<N>'),
    time: z.string().optional(),
    intuitentityid: z.string().min(1),
    intuitaccountid: z.string().min(1),
    data: z.looseObject({ deletedId: z.string().optional() }).nullish(),
  }),
);
