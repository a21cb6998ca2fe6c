/**
 * zod schemas of athenahealth's athenaOne v1 wire format, as the athenahealth spec gives it.
 *
 * Types on this wire are loose: numbers arrive as strings (`"-978.7"`, `"254"`), booleans as
 * `"true"`/`"false"`, ids as numbers or strings. Every schema here coerces those into one shape:
 * ids are trimmed strings, money is integer cents (through `parseWireAmount`, never a float), flags
 * are booleans, dates stay as sent (the mapping turns MM/DD/YYYY into ISO dates).
 *
 *     const [patient] = patientResponseSchema.parse(json);   // patient.claimbalancedetails[0].claimdetails[0].patientbalance is cents
 */
import { z } from 'zod';
import { parseWireAmount } from '../../../ledger/money';

// ---------------------------------------------------------------------------------------------
// Scalars
// ---------------------------------------------------------------------------------------------

/** A required id sent as a JSON number or string: a non-empty trimmed string. */
export const idSchema = z.union([z.string(), z.number()]).transform((v, ctx) => {
  const text = String(v).trim();
  if (text === '') {
    ctx.addIssue({ code: 'custom', message: 'expected a non-empty id' });
    return z.NEVER;
  }
  return text;
});

/** An optional id: `null`, absent and blank all become `null`. */
export const optionalIdSchema = z
  .union([z.string(), z.number()])
  .nullish()
  .transform((v) => {
    if (v === null || v === undefined) return null;
    const text = String(v).trim();
    return text === '' ? null : text;
  });

/** An id list as a comma-separated string (`"1,21,102"`), a list, or a single number. */
export const idListSchema = z
  .union([z.string(), z.number(), z.array(z.union([z.string(), z.number()]))])
  .nullish()
  .transform((v) => {
    if (v === null || v === undefined) return [] as string[];
    const parts = Array.isArray(v) ? v.map(String) : String(v).split(',');
    return parts.map((p) => p.trim()).filter((p) => p !== '');
  });

function toCents(value: string | number, ctx: z.RefinementCtx): number {
  try {
    return parseWireAmount(value);
  } catch (err) {
    ctx.addIssue({
      code: 'custom',
      message: `expected a decimal amount with at most 2 decimals (${err instanceof Error ? err.message : 'unreadable'})`,
    });
    return z.NEVER;
  }
}

/** An optional amount: `null`, absent and `""` become `null`. */
export const optionalMoneySchema = z
  .union([z.string(), z.number()])
  .nullish()
  .transform((v, ctx) => {
    if (v === null || v === undefined) return null;
    if (typeof v === 'string' && v.trim() === '') return null;
    return toCents(v, ctx);
  });

const TRUE_WORDS = new Set(['true', 't', 'y', 'yes', '1']);
const FALSE_WORDS = new Set(['false', 'f', 'n', 'no', '0', '']);

/** A flag as a boolean, `"true"`/`"false"`, `"Y"`/`"N"` or 1/0. */
export const boolishSchema = z.union([z.boolean(), z.string(), z.number()]).transform((v, ctx) => {
  if (typeof v === 'boolean') return v;
  const word = String(v).trim().toLowerCase();
  if (TRUE_WORDS.has(word)) return true;
  if (FALSE_WORDS.has(word)) return false;
  ctx.addIssue({ code: 'custom', message: `expected a boolean, got ${JSON.stringify(v)}` });
  return z.NEVER;
});

/** An optional flag: absent/null → `null`. */
export const optionalBoolishSchema = boolishSchema.nullish().transform((v) => (v === undefined ? null : v));

/** Optional free text: absent/null → `null`, trimmed. */
export const textSchema = z
  .union([z.string(), z.number()])
  .nullish()
  .transform((v) => (v === null || v === undefined ? null : String(v).trim()));

function listOf<T extends z.ZodTypeAny>(item: T) {
  return z
    .array(item)
    .nullish()
    .transform((v) => (v ?? []) as Array<z.output<T>>);
}

// ---------------------------------------------------------------------------------------------
// OAuth
// ---------------------------------------------------------------------------------------------

export const tokenResponseSchema = z.object({
  access_token: z.string().min(1),
  /** Seconds; the real API sends it as a string. */
  expires_in: z.coerce.number().positive().optional(),
  token_type: z.string().optional(),
});

// ---------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------

export const errorBodySchema = z.object({
  error: textSchema.optional(),
  detailedmessage: textSchema.optional(),
  errortext: textSchema.optional(),
  message: textSchema.optional(),
});

// ---------------------------------------------------------------------------------------------
// Departments
// ---------------------------------------------------------------------------------------------

export const departmentSchema = z.object({
  departmentid: idSchema,
  name: textSchema.optional(),
  providergroupid: optionalIdSchema.optional(),
  providergroupname: textSchema.optional(),
});
export type WireDepartment = z.output<typeof departmentSchema>;

export const departmentsPageSchema = z.object({
  totalcount: z.coerce.number().optional(),
  departments: listOf(departmentSchema),
  next: z.string().nullish(),
  previous: z.string().nullish(),
});

// ---------------------------------------------------------------------------------------------
// Patient with balance details
// ---------------------------------------------------------------------------------------------

export const transactionSchema = z.object({
  /** Absent ids get a stable stand-in (`<chargeid>-<index>`) from the mapping. */
  id: optionalIdSchema.optional(),
  date: textSchema.optional(),
  /** Absent → 0 (a row without an amount moves nothing). */
  amount: optionalMoneySchema.optional().transform((v) => v ?? 0),
  type: z
    .string()
    .nullish()
    .transform((v) => (v ?? '').trim().toUpperCase()),
  epaymentid: optionalIdSchema.optional(),
  description: textSchema.optional(),
  transfertype: optionalIdSchema.optional(),
});
export type WireTransaction = z.output<typeof transactionSchema>;

export const chargeDetailSchema = z.object({
  id: idSchema,
  procedurecode: textSchema.optional(),
  description: textSchema.optional(),
  amount: optionalMoneySchema.optional(),
  servicedate: textSchema.optional(),
  transactions: listOf(transactionSchema),
});
export type WireCharge = z.output<typeof chargeDetailSchema>;

export const claimDetailSchema = z.object({
  claimid: idSchema,
  departmentid: optionalIdSchema.optional(),
  servicedate: textSchema.optional(),
  amount: optionalMoneySchema.optional(),
  patientbalance: optionalMoneySchema.optional(),
  cleanbalance: optionalBoolishSchema.optional(),
  chargeleveldetail: listOf(chargeDetailSchema),
});
export type WireClaim = z.output<typeof claimDetailSchema>;

export const claimGroupSchema = z.object({
  providergroupid: optionalIdSchema.optional(),
  departmentids: idListSchema.optional(),
  claimdetails: listOf(claimDetailSchema),
});

export const balanceSchema = z.object({
  balance: optionalMoneySchema.optional(),
  departmentlist: idListSchema.optional(),
  providergroupid: optionalIdSchema.optional(),
  cleanbalance: optionalBoolishSchema.optional(),
});

export const patientSchema = z.object({
  patientid: idSchema,
  firstname: textSchema.optional(),
  lastname: textSchema.optional(),
  dob: textSchema.optional(),
  email: textSchema.optional(),
  departmentid: optionalIdSchema.optional(),
  primarydepartmentid: optionalIdSchema.optional(),
  guarantorfirstname: textSchema.optional(),
  guarantorlastname: textSchema.optional(),
  guarantorrelationshiptopatient: optionalIdSchema.optional(),
  status: textSchema.optional(),
  balances: listOf(balanceSchema),
  claimbalancedetails: listOf(claimGroupSchema),
});
export type WirePatient = z.output<typeof patientSchema>;

/** The patient call answers an array with one patient (an empty array: nobody). */
export const patientResponseSchema = z.union([z.array(patientSchema), patientSchema.transform((p) => [p])]);

// ---------------------------------------------------------------------------------------------
// Appointments
// ---------------------------------------------------------------------------------------------

export const appointmentSchema = z.object({
  appointmentid: idSchema,
  patientid: optionalIdSchema.optional(),
  departmentid: optionalIdSchema.optional(),
  date: textSchema.optional(),
  copay: optionalMoneySchema.optional(),
  appointmentcopay: z
    .object({
      insurancecopay: optionalMoneySchema.optional(),
      collectedforappointment: optionalMoneySchema.optional(),
      collectedforother: optionalMoneySchema.optional(),
    })
    .nullish(),
});
export type WireAppointment = z.output<typeof appointmentSchema>;

export const appointmentResponseSchema = z.union([z.array(appointmentSchema), appointmentSchema.transform((a) => [a])]);

// ---------------------------------------------------------------------------------------------
// collectpayment
// ---------------------------------------------------------------------------------------------

export const collectPaymentResponseSchema = z.object({
  success: boolishSchema,
  epaymentid: optionalIdSchema.optional(),
  errortext: textSchema.optional(),
});
