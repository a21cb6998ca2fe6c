/** The `connection` of a practice's Square seller in the gateway's config (`processor.connection`). */
import { z } from 'zod';
import { httpUrl, nonEmpty, vendorId } from '../../connection-fields';

export const squareConnectionSchema = z.strictObject({
  /** `https://connect.squareup.com`, `https://connect.squareupsandbox.com`, or a simulator (a path prefix is kept). */
  baseUrl: httpUrl,
  /** The seller's access token, sent as `Authorization: Bearer <token>`. */
  accessToken: nonEmpty,
  /** The seller's location that takes the practice's payments (`location_id` on links and payment lists). */
  locationId: vendorId,
  /**
   * The signature key of a webhook subscription made by hand in Square's dashboard. When set, the
   * gateway does not register its own subscription and verifies deliveries with this key.
   */
  signatureKey: nonEmpty.optional(),
});

export type SquareConnection = z.output<typeof squareConnectionSchema>;
