/** The `connection` of a NexHealth practice in the gateway's config. */
import { z } from 'zod';
import { httpUrl, nonEmpty, vendorId } from '../../connection-fields';

export const nexhealthConnectionSchema = z.strictObject({
  /** e.g. `https://nexhealth.info` (a path prefix is kept). */
  baseUrl: httpUrl,
  /** The raw API key, sent as is to `POST /authenticates`. */
  apiKey: nonEmpty,
  /** The institution's subdomain, sent as `subdomain` on every call. */
  subdomain: nonEmpty,
  /** The location, sent as `location_id` on every list call and on writes. */
  locationId: vendorId,
  /** The practice-management system behind the location ("dentrix", "dentrix_enterprise", "open_dental", …); optional. */
  pms: nonEmpty.optional(),
});

export type NexhealthConnection = z.output<typeof nexhealthConnectionSchema>;
