/**
 * The inquiry body as the spec's sandbox checks it (Stedi's required fields, `providerType`, NPI
 * check digits, `YYYYMMDD` dates); a failure is a 400 ValidationException naming every problem.
 * Unknown fields pass through (Stedi's API accepts more than the gateway sends).
 */
import { z } from 'zod';
import { isValidNpi } from '../availity/validate';

const YYYYMMDD = z.string().regex(/^[0-9]{4}(0[1-9]|1[0-2])(0[1-9]|[12][0-9]|3[01])$/, 'expected a date as YYYYMMDD');
const Name = z.string().trim().min(1);
const Person = z.looseObject({
  firstName: Name,
  lastName: Name,
  dateOfBirth: YYYYMMDD.optional(),
  gender: z.string().optional(),
});

export const ClaimStatusRequest = z.looseObject({
  controlNumber: z.string().optional(),
  tradingPartnerServiceId: z.string().trim().min(1),
  providers: z
    .array(
      z.looseObject({
        providerType: z.enum(['BillingProvider', 'ServiceProvider'], 'providerType must be BillingProvider or ServiceProvider'),
        npi: z.string().refine(isValidNpi, 'npi must be 10 digits with a valid check digit').optional(),
        organizationName: z.string().optional(),
        lastName: z.string().optional(),
        firstName: z.string().optional(),
        taxId: z.string().optional(),
      }),
    )
    .min(1),
  subscriber: Person.extend({ memberId: z.string().trim().min(1) }),
  dependent: Person.optional(),
  encounter: z
    .looseObject({
      beginningDateOfService: YYYYMMDD.optional(),
      endDateOfService: YYYYMMDD.optional(),
      submittedAmount: z.string().optional(),
      patientAccountNumber: z.string().optional(),
      tradingPartnerClaimNumber: z.string().optional(),
      trackingNumber: z.string().optional(),
    })
    .optional(),
});

export type ClaimStatusInquiry = z.output<typeof ClaimStatusRequest>;

/** The inquiry, or the ValidationException's message (every issue, with its path). */
export function parseInquiry(body: unknown): { inquiry: ClaimStatusInquiry } | { message: string } {
  const parsed = ClaimStatusRequest.safeParse(body);
  if (parsed.success) return { inquiry: parsed.data };
  return {
    message: parsed.error.issues.map((issue) => `${issue.path.join('.') || '(body)'}: ${issue.message}`).join('; '),
  };
}
