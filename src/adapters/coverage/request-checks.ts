/**
 * The checks every coverage inquiry passes before it leaves (zod over the port's request records):
 * a bad request is `BAD_USER_INPUT` naming the fields in the port's words, and nothing is sent. The
 * message never quotes a value (member ids, names and birth dates are PHI).
 */
import { z } from 'zod';
import { RuleViolation } from '../../ledger/violation';

/**
 * An NPI: 10 digits whose last is the Luhn check digit over the prefix `80840` and the first 9 (the
 * CMS rule), e.g. `1234567893`.
 */
export function isValidNpi(npi: string): boolean {
  if (!/^\d{10}$/.test(npi)) return false;
  const digits = `80840${npi.slice(0, 9)}`;
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let digit = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 0) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
  }
  return (10 - (sum % 10)) % 10 === Number(npi[9]);
}

export const npiSchema = z.string().refine(isValidNpi, 'expected a 10-digit NPI with a valid check digit');

/** A calendar date `YYYY-MM-DD` that exists. */
export const isoDateSchema = z.iso.date('expected a date YYYY-MM-DD');

const name = z.string().trim().min(1, 'expected a non-empty name').max(60, 'expected at most 60 characters');

export const coveredPersonSchema = z.object({
  firstName: name,
  lastName: name,
  dateOfBirth: isoDateSchema,
  gender: z.enum(['M', 'F', 'U']).nullable(),
});

/** A member id as payers issue them: letters, digits and `-`, 2 to 80 characters. */
export const memberIdSchema = z.string().regex(/^[A-Za-z0-9-]{2,80}$/, 'expected a member id of letters, digits and -');

/** A clearinghouse payer id: letters and digits (leading zeros kept). */
export const payerIdSchema = z.string().regex(/^[A-Za-z0-9]{1,80}$/, 'expected a payer id of letters and digits');

/** `schema.parse(value)`, or a `BAD_USER_INPUT` naming each bad field and what it expected (never the value). */
export function checkRequest<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(request)'}: ${issue.message}`);
  throw new RuleViolation({
    code: 'BAD_USER_INPUT',
    message: `${what}: ${problems.join('; ')}`,
    details: { fields: parsed.error.issues.map((issue) => issue.path.join('.')).join(',') },
  });
}
