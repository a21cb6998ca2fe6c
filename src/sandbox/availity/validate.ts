/**
 * `POST /coverages` input validation, as the spec decides: every bad field is listed in one 400
 * ErrorResponse (missing required fields, an NPI that is not 10 digits or fails its check digit,
 * dates not `YYYY-MM-DD`, service types that are not 1–2 character X12 codes, an unknown payer).
 * A malformed or unknown member id is not a 400: the payer answers it (`19` with `72`/`75`).
 */

/** One item of an ErrorResponse's `errors[]`. */
export interface FieldError {
  field: string;
  errorMessage: string;
  code: string;
  index?: number;
}

/** The parsed form of `POST /coverages` (a repeated `serviceType`, or `serviceType[]`, gathers in order). */
export interface CoverageForm {
  payerId: string;
  providerNpi: string;
  providerLastName: string | null;
  memberId: string;
  patientLastName: string;
  patientFirstName: string | null;
  patientBirthDate: string;
  patientGender: string | null;
  subscriberRelationship: string | null;
  asOfDate: string | null;
  serviceTypes: string[];
  groupNumber: string | null;
}

/**
 * True when `npi` is 10 digits whose last is the Luhn check digit over `80840` + the first nine
 * (the NPI standard: the constant 24 stands for the prefix).
 */
export function isValidNpi(npi: string): boolean {
  if (!/^[0-9]{10}$/.test(npi)) return false;
  let sum = 24;
  for (let i = 8; i >= 0; i -= 1) {
    let digit = Number(npi[i]);
    if ((8 - i) % 2 === 0) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
  }
  return (10 - (sum % 10)) % 10 === Number(npi[9]);
}

const DAY = /^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$/;

/** `YYYY-MM-DD` naming a real calendar day. */
export function isIsoDay(text: string): boolean {
  if (!DAY.test(text)) return false;
  const date = new Date(`${text}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().startsWith(text);
}

/** The form's fields, or every field error; `knownPayer` decides whether a `payerId` is served. */
export function parseCoverageForm(
  pairs: Array<[string, string]>,
  knownPayer: (payerId: string) => boolean,
): { form: CoverageForm } | { errors: FieldError[] } {
  const one = (name: string): string | null => {
    const found = pairs.filter(([key]) => key === name);
    return found.length ? found[found.length - 1]![1].trim() : null;
  };
  const serviceTypes = pairs.filter(([key]) => key === 'serviceType' || key === 'serviceType[]').map(([, value]) => value.trim());
  const errors: FieldError[] = [];
  const required = (name: string, label: string): string => {
    const value = one(name);
    if (!value) errors.push({ field: name, errorMessage: `${label} is required.`, code: 'REQUIRED' });
    return value ?? '';
  };
  const payerId = required('payerId', 'Payer ID');
  if (payerId && !knownPayer(payerId))
    errors.push({ field: 'payerId', errorMessage: `Payer ID ${payerId} is not supported.`, code: 'INVALID' });
  const providerNpi = required('providerNpi', 'Provider NPI');
  if (providerNpi && !isValidNpi(providerNpi))
    errors.push({
      field: 'providerNpi',
      errorMessage: 'Provider NPI must be 10 digits with a valid check digit.',
      code: 'INVALID',
    });
  const memberId = required('memberId', 'Member ID');
  const patientLastName = required('patientLastName', 'Patient last name');
  const patientBirthDate = required('patientBirthDate', 'Patient birth date');
  for (const [name, value] of [
    ['patientBirthDate', patientBirthDate],
    ['asOfDate', one('asOfDate')],
  ] as const) {
    if (value && !isIsoDay(value))
      errors.push({ field: name, errorMessage: `${name} must be formatted as YYYY-MM-DD, got "${value}".`, code: 'INVALID' });
  }
  serviceTypes.forEach((code, index) => {
    if (!/^[A-Z0-9]{1,2}$/.test(code))
      errors.push({
        field: 'serviceType',
        errorMessage: `Service type must be a 1-2 character X12 code, got "${code}".`,
        code: 'INVALID',
        index,
      });
  });
  if (errors.length) return { errors };
  return {
    form: {
      payerId,
      providerNpi,
      providerLastName: one('providerLastName'),
      memberId,
      patientLastName,
      patientFirstName: one('patientFirstName'),
      patientBirthDate,
      patientGender: one('patientGender'),
      subscriberRelationship: one('subscriberRelationship'),
      asOfDate: one('asOfDate'),
      serviceTypes,
      groupNumber: one('groupNumber'),
    },
  };
}
