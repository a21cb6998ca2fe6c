/**
 * zod of every payload Availity sends back (Coverages 1.0.0): the token, a coverage (POST and GET
 * answers alike), and the 400 ErrorResponse. Lenient where Availity is loose (extra fields pass,
 * absent strings are `null`), strict where a figure is read: amounts are decimal strings or numbers.
 */
import { z } from 'zod';

export const tokenResponseSchema = z.object({
  access_token: z.string().min(1),
  token_type: z.string().optional(),
  /** Seconds; Availity's are 300. */
  expires_in: z.coerce.number().positive().optional(),
});

/** A text that may be absent, `null` or `""` (absent). */
const text = z
  .union([z.string(), z.number().transform(String)])
  .nullish()
  .transform((v) => (v === undefined || v === null || v.trim() === '' ? null : v.trim()));

/** One NetworkBenefit: a value for one network, level and time period. */
export const networkBenefitSchema = z.object({
  amount: text,
  total: text,
  remaining: text,
  units: text,
  level: text,
  levelCode: text,
  amountTimePeriodCode: text,
  totalTimePeriodCode: text,
  remainingTimePeriodCode: text,
  placeOfServiceCode: text,
  authorizationRequired: z.unknown().optional(),
  description: text,
});
export type NetworkBenefit = z.output<typeof networkBenefitSchema>;

const networkList = z
  .array(networkBenefitSchema)
  .nullish()
  .transform((v) => v ?? []);

/** A BenefitDetail: the four network buckets (all are read; `inNetwork` alone drops benefits). */
export const benefitDetailSchema = z
  .object({
    inNetwork: networkList,
    outOfNetwork: networkList,
    noNetwork: networkList,
    notApplicableNetwork: networkList,
  })
  .nullish();
export type BenefitDetail = z.output<typeof benefitDetailSchema>;

export const benefitSchema = z.object({
  name: text,
  /** The service type code (EB03). */
  type: text,
  status: text,
  /** EB01 for that service type. */
  statusCode: text,
  amounts: z
    .object({
      coPayment: benefitDetailSchema,
      coInsurance: benefitDetailSchema,
      deductibles: benefitDetailSchema,
      outOfPocket: benefitDetailSchema,
    })
    .nullish(),
});
export type AvailityBenefit = z.output<typeof benefitSchema>;

export const planSchema = z.object({
  status: text,
  statusCode: text,
  planName: text,
  groupNumber: text,
  groupName: text,
  insuranceType: text,
  insuranceTypeCode: text,
  coverageStartDate: text,
  coverageEndDate: text,
  eligibilityStartDate: text,
  eligibilityEndDate: text,
  benefits: z
    .array(benefitSchema)
    .nullish()
    .transform((v) => v ?? []),
});
export type AvailityPlan = z.output<typeof planSchema>;

export const validationMessageSchema = z.object({
  code: text,
  errorMessage: text,
  field: text,
  index: z.unknown().optional(),
});

/** A coverage, as POST (200/202) and GET answer it; `plans` only once complete. */
export const coverageSchema = z.object({
  id: z.union([z.string().min(1).max(64), z.number().int().transform(String)]),
  /** `0` in progress, `R1` retrying, `4` complete, `3` complete (invalid), `19` request error, `7`/`13`/`14`/`15` communication errors. */
  statusCode: z.union([z.string(), z.number().transform(String)]),
  status: text,
  expirationDate: text,
  asOfDate: text,
  payer: z.object({ payerId: text, name: text, responsePayerId: text }).nullish(),
  plans: z
    .array(planSchema)
    .nullish()
    .transform((v) => v ?? []),
  validationMessages: z
    .array(validationMessageSchema)
    .nullish()
    .transform((v) => v ?? []),
});
export type AvailityCoverage = z.output<typeof coverageSchema>;

/** Availity's 400 ErrorResponse. */
export const errorResponseSchema = z.object({
  userMessage: text,
  developerMessage: text,
  reasonCode: text,
  errors: z
    .array(z.object({ field: text, errorMessage: text, code: text }))
    .nullish()
    .transform((v) => v ?? []),
});
