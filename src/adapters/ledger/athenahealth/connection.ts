/** The `connection` of an athenahealth practice in the gateway's config. */
import { z } from 'zod';
import { httpUrl, nonEmpty, vendorId } from '../../connection-fields';

export const athenahealthConnectionSchema = z.strictObject({
  /** e.g. `https://api.platform.athenahealth.com`. */
  baseUrl: httpUrl,
  /** OAuth2 client credentials of the gateway's athenahealth app. */
  clientId: nonEmpty,
  clientSecret: nonEmpty,
  /** The athenahealth practice id, in every path (`/v1/<practiceId>/…`). */
  practiceId: vendorId,
});

export type AthenahealthConnection = z.output<typeof athenahealthConnectionSchema>;
