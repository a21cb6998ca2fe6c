/**
 * zod of every payload the claim-status API sends back (real-time claim status JSON, v2): the 200
 * answer (claims with their STC statuses, or the payer's `errorResponse`), and the error bodies
 * (400 ValidationException, 403/404 `{message}`). Lenient where the API is loose, strict on what is read.
 */
import { z } from 'zod';

const text = z
  .union([z.string(), z.number().transform(String)])
  .nullish()
  .transform((v) => (v === undefined || v === null || v.trim() === '' ? null : v.trim()));

export const stcSchema = z.object({
  statusCategoryCode: text,
  statusCategoryCodeValue: text,
  statusCode: text,
  statusCodeValue: text,
  entityCode: text,
  effectiveDate: text,
  claimServiceDate: text,
  submittedAmount: text,
  amountPaid: text,
  paidDate: text,
  checkIssueDate: text,
  checkNumber: text,
  tradingPartnerClaimNumber: text,
  patientAccountNumber: text,
  clearingHouseClaimNumber: text,
  trackingNumber: text,
});
export type StcStatus = z.output<typeof stcSchema>;

const lineStatusSchema = z.object({ statusCategoryCode: text, statusCode: text, effectiveDate: text });

export const serviceDetailSchema = z.object({
  service: z.object({ procedureId: text, submittedAmount: text, amountPaid: text }).nullish(),
  status: z
    .array(lineStatusSchema)
    .nullish()
    .transform((v) => v ?? []),
});

export const claimSchema = z.object({
  claimStatus: stcSchema.nullish(),
  serviceDetails: z
    .array(serviceDetailSchema)
    .nullish()
    .transform((v) => v ?? []),
});
export type ClaimStatusClaim = z.output<typeof claimSchema>;

export const payerErrorSchema = z.object({ code: text, description: text, followupAction: text, field: text, location: text });

export const claimStatusResponseSchema = z.object({
  controlNumber: text,
  tradingPartnerServiceId: text,
  payer: z.object({ organizationName: text, payerIdentification: text }).nullish(),
  claims: z
    .array(claimSchema)
    .nullish()
    .transform((v) => v ?? []),
  errorResponse: z
    .object({
      errors: z
        .array(payerErrorSchema)
        .nullish()
        .transform((v) => v ?? []),
    })
    .nullish(),
  meta: z.object({ traceId: text }).nullish(),
});
export type ClaimStatusResponse = z.output<typeof claimStatusResponseSchema>;

/** 400 ValidationException, 403 AccessDenied, 404 ResourceNotFound, 429 Throttling: `{code?, message}`. */
export const errorBodySchema = z.object({ code: text, message: text });
