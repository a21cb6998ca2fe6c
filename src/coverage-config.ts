/**
 * The `coverage` block of a practice's config (its clearinghouses), apart from `config.ts` because
 * each service carries its own keys beside the clearinghouse's `connection`. `config.ts` places it
 * in every practice's schema and re-exports its types.
 */
import { z } from 'zod';
import { nonEmpty } from './adapters/connection-fields';
import type { CoverageService } from './adapters/coverage/port';
import { isValidNpi } from './adapters/coverage/request-checks';
import { COVERAGE_SYSTEMS } from './adapters/registry';
import type { CoverageSystemDescriptor } from './adapters/system';

/**
 * A practice's clearinghouses (`coverage: { eligibility?: {…}, claimStatus?: {…} }`, the coverage
 * port's two services; src/adapters/coverage/README.md). Each entry names its `clearinghouse` (a
 * registered coverage system of that service), its `connection` (that system's own schema) and the
 * service's keys, which travel in each inquiry:
 * - `eligibility`: `providerNpi` (10 digits, valid check digit), `providerName`, `payerIds` (the
 *   coverage's payor reference or display → the clearinghouse's payer id), `inNetwork` (default true:
 *   in-network benefits are read first).
 * - `claimStatus`: `billingProvider { npi, organizationName | lastName + firstName, taxId? }`,
 *   `payerIds` (payer name or coverage payor reference → payer id), `minRefreshIntervalSeconds`
 *   (default 900: `refreshClaimStatus` asks upstream at most once per claim in that time).
 */
const npi = z.string().refine(isValidNpi, 'expected a 10-digit NPI with a valid check digit');
const payerIds = z.record(nonEmpty, z.string().regex(/^[A-Za-z0-9]{1,80}$/, 'expected a payer id of letters and digits'));

const COVERAGE_SERVICE_KEYS = {
  eligibility: {
    providerNpi: npi,
    providerName: nonEmpty,
    payerIds,
    inNetwork: z.boolean().default(true),
  },
  claimStatus: {
    billingProvider: z
      .strictObject({
        npi,
        organizationName: nonEmpty.optional(),
        lastName: nonEmpty.optional(),
        firstName: nonEmpty.optional(),
        taxId: z
          .string()
          .regex(/^\d{9}$/, 'expected a 9-digit tax id')
          .optional(),
      })
      .refine((p) => p.organizationName !== undefined || (p.lastName !== undefined && p.firstName !== undefined), {
        message: 'expected organizationName, or lastName and firstName',
      }),
    payerIds,
    minRefreshIntervalSeconds: z.number().int().min(0).default(900),
  },
} as const;

function coverageEntryOf<S extends CoverageService>(descriptor: CoverageSystemDescriptor, service: S) {
  return z.strictObject({
    clearinghouse: z.literal(descriptor.system),
    connection: descriptor.connection,
    ...COVERAGE_SERVICE_KEYS[service],
  });
}

/** The clearinghouses registered for `service`, as a union on `clearinghouse`. */
function coverageService<S extends CoverageService>(service: S) {
  type Entry = ReturnType<typeof coverageEntryOf<S>>;
  const systems = COVERAGE_SYSTEMS.filter((d) => d.service === service);
  if (systems.length === 0)
    return z.never({ error: `expected no coverage.${service}: no ${service} clearinghouse is registered` });
  return z.discriminatedUnion('clearinghouse', systems.map((d) => coverageEntryOf(d, service)) as [Entry, ...Entry[]], {
    error: `expected coverage.${service}.clearinghouse to be one of ${systems.map((d) => `"${d.system}"`).join(', ')}`,
  });
}

export const coverage = z.strictObject({
  eligibility: coverageService('eligibility').optional(),
  claimStatus: coverageService('claimStatus').optional(),
});

export type CoverageConfig = z.output<typeof coverage>;
export type EligibilityConfig = NonNullable<CoverageConfig['eligibility']>;
export type ClaimStatusConfig = NonNullable<CoverageConfig['claimStatus']>;
