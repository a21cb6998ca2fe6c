/**
 * zod schemas of the FHIR R4 resources the adapter reads, field for field what the mapping uses
 * (loose: everything else passes through untouched). Types come from `@types/fhir` where the adapter
 * builds resources (writes, batch Bundles); here zod is the boundary that says what arrived.
 */
import { z } from 'zod';

const str = z.string();
export const codingSchema = z.looseObject({ system: str.optional(), code: str.optional(), display: str.optional() });
export const conceptSchema = z.looseObject({ coding: z.array(codingSchema).optional(), text: str.optional() });
export const referenceSchema = z.looseObject({ reference: str.optional(), display: str.optional() });
export const moneySchema = z.looseObject({ value: z.union([z.number(), str]).optional(), currency: str.optional() });
export const periodSchema = z.looseObject({ start: str.optional(), end: str.optional() });
export const identifierSchema = z.looseObject({
  system: str.optional(),
  value: str.optional(),
  type: conceptSchema.optional(),
  use: str.optional(),
});
export const extensionSchema = z.looseObject({
  url: str,
  valueMoney: moneySchema.optional(),
  valueString: str.optional(),
  valueDecimal: z.union([z.number(), str]).optional(),
  valueReference: referenceSchema.optional(),
});
const humanNameSchema = z.looseObject({
  use: str.optional(),
  family: str.optional(),
  given: z.array(str).optional(),
  text: str.optional(),
});

export const patientSchema = z.looseObject({
  resourceType: z.literal('Patient'),
  id: str,
  name: z.array(humanNameSchema).optional(),
  birthDate: str.optional(),
  active: z.boolean().optional(),
});
export type FhirPatient = z.output<typeof patientSchema>;

export const relatedPersonSchema = z.looseObject({
  resourceType: z.literal('RelatedPerson'),
  id: str,
  patient: referenceSchema.optional(),
  relationship: z.array(conceptSchema).optional(),
  name: z.array(humanNameSchema).optional(),
  birthDate: str.optional(),
  active: z.boolean().optional(),
});
export type FhirRelatedPerson = z.output<typeof relatedPersonSchema>;

export const accountSchema = z.looseObject({
  resourceType: z.literal('Account'),
  id: str,
  status: str.optional(),
  subject: z.array(referenceSchema).optional(),
  guarantor: z
    .array(z.looseObject({ party: referenceSchema, onHold: z.boolean().optional(), period: periodSchema.optional() }))
    .optional(),
  servicePeriod: periodSchema.optional(),
  partOf: referenceSchema.optional(),
  extension: z.array(extensionSchema).optional(),
});
export type FhirAccount = z.output<typeof accountSchema>;

export const encounterSchema = z.looseObject({ resourceType: z.literal('Encounter'), id: str, period: periodSchema.optional() });
export type FhirEncounter = z.output<typeof encounterSchema>;

export const chargeItemSchema = z.looseObject({
  resourceType: z.literal('ChargeItem'),
  id: str,
  status: str.optional(),
  code: conceptSchema.optional(),
  context: referenceSchema.optional(),
  occurrenceDateTime: str.optional(),
  occurrencePeriod: periodSchema.optional(),
  performer: z.array(z.looseObject({ function: conceptSchema.optional(), actor: referenceSchema.optional() })).optional(),
  quantity: z.looseObject({ value: z.number().optional() }).optional(),
  priceOverride: moneySchema.optional(),
  extension: z.array(extensionSchema).optional(),
});
export type FhirChargeItem = z.output<typeof chargeItemSchema>;

const adjudicationSchema = z.looseObject({ category: conceptSchema, amount: moneySchema.optional() });

export const claimSchema = z.looseObject({
  resourceType: z.literal('Claim'),
  id: str,
  status: str,
  created: str.optional(),
  billablePeriod: periodSchema.optional(),
  provider: referenceSchema.optional(),
  total: moneySchema.optional(),
  item: z
    .array(
      z.looseObject({
        sequence: z.number().int(),
        encounter: z.array(referenceSchema).optional(),
        productOrService: conceptSchema.optional(),
        servicedDate: str.optional(),
        net: moneySchema.optional(),
      }),
    )
    .optional(),
});
export type FhirClaim = z.output<typeof claimSchema>;

export const claimResponseSchema = z.looseObject({
  resourceType: z.literal('ClaimResponse'),
  id: str,
  request: referenceSchema.optional(),
  status: str.optional(),
  outcome: str.optional(),
  created: str.optional(),
  payment: z.looseObject({ amount: moneySchema.optional(), date: str.optional() }).optional(),
  item: z
    .array(z.looseObject({ itemSequence: z.number().int(), adjudication: z.array(adjudicationSchema).optional() }))
    .optional(),
});
export type FhirClaimResponse = z.output<typeof claimResponseSchema>;

export const eobSchema = z.looseObject({
  resourceType: z.literal('ExplanationOfBenefit'),
  id: str,
  status: str.optional(),
  outcome: str.optional(),
  created: str.optional(),
  billablePeriod: periodSchema.optional(),
  provider: referenceSchema.optional(),
  total: z.array(z.looseObject({ category: conceptSchema, amount: moneySchema })).optional(),
  payment: z.looseObject({ date: str.optional() }).optional(),
  item: z
    .array(
      z.looseObject({
        sequence: z.number().int(),
        productOrService: conceptSchema.optional(),
        servicedDate: str.optional(),
        servicedPeriod: periodSchema.optional(),
        net: moneySchema.optional(),
        adjudication: z.array(adjudicationSchema).optional(),
      }),
    )
    .optional(),
});
export type FhirEob = z.output<typeof eobSchema>;

export const paymentReconciliationSchema = z.looseObject({
  resourceType: z.literal('PaymentReconciliation'),
  id: str,
  status: str.optional(),
  identifier: z.array(identifierSchema).optional(),
  paymentDate: str.optional(),
  detail: z
    .array(
      z.looseObject({
        identifier: identifierSchema.optional(),
        type: conceptSchema,
        request: referenceSchema.optional(),
        payee: referenceSchema.optional(),
        date: str.optional(),
        amount: moneySchema.optional(),
      }),
    )
    .optional(),
});
export type FhirPaymentReconciliation = z.output<typeof paymentReconciliationSchema>;

export const coverageSchema = z.looseObject({
  resourceType: z.literal('Coverage'),
  id: str,
  status: str,
  order: z.number().int().positive().optional(),
  subscriberId: str.optional(),
  identifier: z.array(identifierSchema).optional(),
  beneficiary: referenceSchema.optional(),
  payor: z.array(referenceSchema).optional(),
  class: z.array(z.looseObject({ type: conceptSchema, value: str, name: str.optional() })).optional(),
  relationship: conceptSchema.optional(),
  period: periodSchema.optional(),
});
export type FhirCoverage = z.output<typeof coverageSchema>;

/** Parse a resource with `schema`, or throw an error naming the resource (a parse error on it alone). */
export function parseResource<S extends z.ZodType>(schema: S, resource: unknown, what: string): z.output<S> {
  const parsed = schema.safeParse(resource);
  if (!parsed.success) {
    const id = (resource as { id?: unknown } | null)?.id;
    const issue = parsed.error.issues[0];
    throw new Error(
      `FHIR ${what}${typeof id === 'string' ? ` ${id}` : ''}: ${issue?.path.join('.') || '(root)'} ${issue?.message ?? 'invalid'}`,
    );
  }
  return parsed.data;
}
