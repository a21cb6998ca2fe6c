/** The `connection` of a practice's QuickBooks Online company in the gateway's config (`accounting.connection`). */
import { z } from 'zod';
import { httpUrl, nonEmpty, vendorId } from '../../connection-fields';

/** Intuit's OAuth 2.0 token endpoint (refresh grant), the default of `tokenUrl`. */
export const INTUIT_TOKEN_URL = 'https://oauth.platform.intuit.com/oauth2/v1/tokens/bearer';

export const quickbooksConnectionSchema = z.strictObject({
  /** `https://quickbooks.api.intuit.com`, `https://sandbox-quickbooks.api.intuit.com`, or a simulator (a path prefix is kept). */
  baseUrl: httpUrl,
  /** The OAuth 2.0 token endpoint the refresh token is spent at. Default {@link INTUIT_TOKEN_URL}. */
  tokenUrl: httpUrl.default(INTUIT_TOKEN_URL),
  /** The Intuit app's client id (HTTP Basic user on the token endpoint). */
  clientId: nonEmpty,
  /** The Intuit app's client secret (HTTP Basic password on the token endpoint). */
  clientSecret: nonEmpty,
  /**
   * The refresh token of the company's connection, used until the store holds a newer one: Intuit
   * rotates it on use, and the adapter saves each new one (`RefreshTokenStore`) before using the
   * access token that came with it. A different token here (a reconnect) takes over again.
   */
  refreshToken: nonEmpty,
  /** The company (realm) id: a numeric string, in every API path. */
  realmId: vendorId.pipe(z.string().regex(/^\d{1,32}$/, 'expected a QuickBooks realm id (digits)')),
  /**
   * The app's webhook verifier token (`intuit-signature` is an HMAC-SHA256 of the body with it).
   * Absent: every webhook delivery is refused with 401.
   */
  verifierToken: nonEmpty.optional(),
});

export type QuickbooksConnection = z.output<typeof quickbooksConnectionSchema>;
