/** The `connection` of a FHIR R4 practice in the gateway's config (README.md next to this file). */
import { z } from 'zod';
import { httpUrl, nonEmpty } from '../../connection-fields';

const V2_0570 = z.enum(['CASH', 'CCCA', 'CHCK', 'CCHK', 'TRAC']);

export const fhirPaymentTypeSchema = z.strictObject({
  id: nonEmpty,
  name: nonEmpty,
  /** v2-0570 method code; required on oracle-health. */
  method: V2_0570.optional(),
  /** The tenant's FinancialTransaction alias; required on oracle-health. */
  alias: nonEmpty.optional(),
});

export const fhirAdjustmentTypeSchema = z.strictObject({
  id: nonEmpty,
  name: nonEmpty,
  alias: nonEmpty.optional(),
  action: z.enum(['credit', 'debit']),
});

export const fhirConnectionSchema = z
  .strictObject({
    profile: z.enum(['oracle-health', 'epic', 'generic']),
    /** The service root, no trailing `/` (e.g. `https://fhir-ehr.cerner.com/r4/{tenant}`). */
    baseUrl: httpUrl.refine((u) => !u.endsWith('/'), 'expected a service root without a trailing "/"'),
    clientId: nonEmpty,
    /** PKCS#8 PEM of the RS384 signing key; when absent, oracle-health uses `clientSecret` (Basic). */
    privateKeyPem: nonEmpty.optional(),
    /** The `kid` the JWT header names. */
    keyId: nonEmpty.optional(),
    /** Space-separated or a list; default: the profile's scopes. */
    scopes: z.union([nonEmpty, z.array(nonEmpty).min(1)]).optional(),
    /** Overrides discovery. */
    tokenUrl: httpUrl.optional(),
    clientSecret: nonEmpty.optional(),
    paymentTypes: z.array(fhirPaymentTypeSchema).optional(),
    adjustmentTypes: z.array(fhirAdjustmentTypeSchema).optional(),
    /** `financial-transaction-location` sent on oracle-health writes. */
    ftLocation: nonEmpty.optional(),
  })
  .superRefine((c, ctx) => {
    if (c.privateKeyPem && !c.keyId)
      ctx.addIssue({ code: 'custom', path: ['keyId'], message: 'expected a keyId with privateKeyPem' });
    if (!c.privateKeyPem && !(c.profile === 'oracle-health' && c.clientSecret)) {
      ctx.addIssue({
        code: 'custom',
        path: ['privateKeyPem'],
        message: 'expected privateKeyPem (or, on oracle-health only, clientSecret)',
      });
    }
    if (c.profile === 'oracle-health') {
      for (const [i, t] of (c.paymentTypes ?? []).entries()) {
        if (!t.method || !t.alias) {
          ctx.addIssue({ code: 'custom', path: ['paymentTypes', i], message: 'expected method and alias on oracle-health' });
        }
      }
      for (const [i, t] of (c.adjustmentTypes ?? []).entries()) {
        if (!t.alias)
          ctx.addIssue({ code: 'custom', path: ['adjustmentTypes', i, 'alias'], message: 'expected an alias on oracle-health' });
      }
    }
  });

export type FhirConnection = z.output<typeof fhirConnectionSchema>;
export type FhirPaymentType = z.output<typeof fhirPaymentTypeSchema>;
export type FhirAdjustmentType = z.output<typeof fhirAdjustmentTypeSchema>;
