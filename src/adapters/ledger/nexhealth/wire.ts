/**
 * How every NexHealth row schema (schemas.ts, ledger-rows.ts) is built, and read fast: a zod
 * schema of the row's wire shape with no transform inside, and a plain function that turns what it
 * accepts into the row the adapter uses (ids as strings, `""` refs as null, money as integer cents
 * through `parseWireAmount`, absent strings as null).
 *
 *     export const chargeSchema = rowSchema(chargeRow, (r, issues) => ({ id: String(r.id), fee: cents(r.fee, issues, 'fee') }));
 *     const charge = parseRow(chargeSchema, json);   // what chargeSchema.parse(json) gives, a fraction of the cost
 *
 * `rowSchema` gives an ordinary zod schema (the shape with the conversion as its transform), for
 * composition and tests; `parseRow` / `safeParseRow` (and so `parseListData`) check the shape alone
 * and call the conversion themselves, with the same result and the same issues (a bad amount is a
 * custom issue at the field's path).
 *
 * Why: a zod 4 transform costs far more than the check it follows (it runs a pipe, gives the
 * payload a fresh `addIssue` closure, and what it leaves behind keeps the garbage collector busy);
 * with one per id, ref and money field, zod was ~11% of the gateway's CPU per request and, on a
 * report's 1,000-row pages, ~50 ms of zod and ~20 ms of garbage collection per page. The shape alone
 * runs on zod's compiled fast path and the conversion is one object literal.
 */
import { z } from 'zod';
import { parseWireAmount } from '../../../ledger/money';

/**
 * An id, sent as a JSON number or string. The number comes first: NexHealth sends numbers, and a
 * union tries its options in order, so a string first meant a failed check (and its issue) before
 * every id: the charge rows' shape check took 9.5 µs per 11 rows with it, 5.3 without.
 */
export const wireId = z.union([z.number().int(), z.string().min(1)]);

/** An optional reference to another row (`""`, `null` and absent mean none: see `ref`); a number first, as `wireId`. */
export const wireRef = z.union([z.number().int(), z.string()]).nullish();

/** An optional string. */
export const wireText = z.string().nullish();

/** `{ "amount": "62.00", "currency": "USD" }`: the amount is read by `cents`. */
export const wireMoney = z.object({ amount: z.union([z.string(), z.number()]), currency: z.string().nullish() });
export type WireMoney = z.output<typeof wireMoney>;

/** `description`: a string, a list of strings, or null. */
export const wireDescription = z.union([z.string(), z.array(z.string())]).nullish();

/** Where a conversion reports what it cannot convert: a zod transform's context, or `parseRow`'s list. */
export interface IssueSink {
  addIssue(issue: { code: 'custom'; path: PropertyKey[]; message: string }): void;
}

/** A reference as a string; `null`, absent and `""` are none. */
export const ref = (v: string | number | null | undefined): string | null =>
  v === null || v === undefined || v === '' ? null : String(v);

/** An optional string, absent as null. */
export const text = (v: string | null | undefined): string | null => v ?? null;

/** A description as one string (a list joined with `; `), or null. */
export const description = (v: string | readonly string[] | null | undefined): string | null =>
  v == null ? null : typeof v === 'string' ? v : v.join('; ');

const ROW: readonly PropertyKey[] = [];

/**
 * Integer cents of a money object, or an issue at `[...within, field]` (relative to the row; the
 * path is made only then); then the parse fails and the returned value is never seen.
 */
export function cents(money: WireMoney, issues: IssueSink, field?: PropertyKey, within: readonly PropertyKey[] = ROW): number {
  try {
    return parseWireAmount(money.amount);
  } catch (err) {
    issues.addIssue({
      code: 'custom',
      path: field === undefined ? [...within] : [...within, field],
      message: `expected a decimal amount with at most 2 decimals, got ${JSON.stringify(money.amount)} (${err instanceof Error ? err.message : 'unreadable'})`,
    });
    return z.NEVER;
  }
}

/** `cents`, or `absent` when the money object is null or absent. */
export function optionalCents<A>(
  money: WireMoney | null | undefined,
  issues: IssueSink,
  field: PropertyKey | undefined,
  absent: A,
  within: readonly PropertyKey[] = ROW,
): number | A {
  return money == null ? absent : cents(money, issues, field, within);
}

// ---------------------------------------------------------------------------------------------
// Row schemas and their fast read
// ---------------------------------------------------------------------------------------------

type Convert = (row: unknown, issues: IssueSink) => unknown;

/** The shape and conversion of every schema `rowSchema` made, for `safeParseRow`. */
const parts = new WeakMap<z.ZodType, { wire: z.ZodType; convert: Convert }>();

/** A row schema: `wire` (no transform inside) then `convert`, as one zod schema that `parseRow` reads fast. */
export function rowSchema<W extends z.ZodType, T>(wire: W, convert: (row: z.output<W>, issues: IssueSink) => T) {
  const schema = wire.transform((row, ctx) => convert(row, ctx));
  parts.set(schema, { wire, convert: convert as Convert });
  return schema;
}

/** The issues one conversion reported (most convert none, so the list is made on the first). */
class IssueList implements IssueSink {
  list: z.core.$ZodIssue[] | null = null;
  addIssue(issue: { code: 'custom'; path: PropertyKey[]; message: string }): void {
    if (this.list === null) this.list = [];
    this.list.push(issue as z.core.$ZodIssue);
  }
}

/**
 * `schema.safeParse(value)`'s answer: for a schema made by `rowSchema`, its shape is checked and its
 * conversion called here, outside zod's transform; any other schema is simply parsed.
 */
export function safeParseRow<S extends z.ZodType>(schema: S, value: unknown): z.ZodSafeParseResult<z.output<S>> {
  const fast = parts.get(schema);
  if (!fast) return schema.safeParse(value) as z.ZodSafeParseResult<z.output<S>>;
  const shape = fast.wire.safeParse(value);
  if (!shape.success) return shape as z.ZodSafeParseResult<z.output<S>>;
  const issues = new IssueList();
  const data = fast.convert(shape.data, issues) as z.output<S>;
  return issues.list
    ? { success: false, error: new z.ZodError(issues.list) as z.ZodError<z.output<S>> }
    : { success: true, data };
}

/** `schema.parse(value)`, by `safeParseRow`: the row, or its ZodError thrown. */
export function parseRow<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const parsed = safeParseRow(schema, value);
  if (!parsed.success) throw parsed.error;
  return parsed.data;
}

// ---------------------------------------------------------------------------------------------
// The scalars alone, for the few places that read one field rather than a row
// ---------------------------------------------------------------------------------------------

/** An id, sent as a JSON number or string; always a string after parsing. */
export const idSchema = wireId.transform((v) => String(v));

/** An optional reference to another row: `null`/absent/`""` are `null`. */
export const refSchema = wireRef.transform(ref);

/** `{ "amount": "62.00", "currency": "USD" }` → 6200 (cents). */
export const moneySchema = rowSchema(wireMoney, (value, issues) => cents(value, issues));

/** Money or `null` (absent is `null` too). */
export const nullableMoneySchema = rowSchema(wireMoney.nullish(), (v, issues) => optionalCents(v, issues, undefined, null));

/** An optional string, absent as `null`. */
export const nullableStringSchema = wireText.transform(text);

/** `description`: a string, a list of strings, or null; one string after parsing. */
export const descriptionSchema = wireDescription.transform(description);
