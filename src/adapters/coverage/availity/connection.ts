/**
 * The `connection` of a practice's Availity application (`coverage.eligibility.connection`): where
 * the Coverages API and its token endpoint are, and the OAuth2 client credentials.
 */
import { z } from 'zod';
import { httpUrl, nonEmpty } from '../../connection-fields';

/** Availity's production prefix as the eligibility README states it (the Swagger's `/v1` is a config choice). */
export const AVAILITY_DEFAULT_BASE_URL = 'https://api.availity.com/availity/v1';
export const AVAILITY_DEFAULT_TOKEN_URL = 'https://api.availity.com/availity/v1/token';
/** The product scope Availity's Swagger declares. */
export const AVAILITY_DEFAULT_SCOPE = 'healthcare-hipaa-transactions';

export const availityConnectionSchema = z.strictObject({
  /** The Coverages API root; paths (`/coverages`) are relative to it, so its path prefix is kept. */
  baseUrl: httpUrl.default(AVAILITY_DEFAULT_BASE_URL),
  /** The client-credentials token endpoint (a full URL). */
  tokenUrl: httpUrl.default(AVAILITY_DEFAULT_TOKEN_URL),
  clientId: nonEmpty,
  clientSecret: nonEmpty,
  scope: nonEmpty.default(AVAILITY_DEFAULT_SCOPE),
  /** Sent as `X-Availity-Customer-ID` when given. */
  customerId: nonEmpty.optional(),
});

export type AvailityConnection = z.output<typeof availityConnectionSchema>;
