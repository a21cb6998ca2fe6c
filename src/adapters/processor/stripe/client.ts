/**
 * The official `stripe` SDK, configured for the gateway (see `README.md` here):
 * - `apiVersion` pinned, so an SDK upgrade cannot change the shapes `schemas.ts` parses;
 * - `host`/`port`/`protocol` from the connection's `baseUrl` (the SDK has no base-URL option and
 *   always calls `/v1/…` from the root);
 * - `maxNetworkRetries: 0`: an adapter never retries a write, and the port's callers retry with the
 *   same idempotency key themselves (the SDK still retries a closed connection once, under the key
 *   the adapter passes, so a replay is harmless);
 * - `telemetry: false`: no `X-Stripe-Client-Telemetry` header about our previous calls.
 *
 * Async: the SDK is loaded here, on the first call, not at import (`sdk.ts`).
 */
import type Stripe from 'stripe';
import type { StripeConnection } from './connection';
import { stripeSdk } from './sdk';

/** The API version every call is made at (`Stripe-Version`); the SDK 23.1.0 default, pinned. */
export const STRIPE_API_VERSION = '2026-10-28.endive' as const;

export const DEFAULT_TIMEOUT_MS = 10_000;

export async function createStripeClient(connection: StripeConnection, timeoutMs: number = DEFAULT_TIMEOUT_MS): Promise<Stripe> {
  const base = new URL(connection.baseUrl);
  const protocol = base.protocol === 'http:' ? 'http' : 'https';
  const Stripe = await stripeSdk.load();
  return new Stripe(connection.secretKey, {
    apiVersion: STRIPE_API_VERSION,
    host: base.hostname,
    port: base.port || (protocol === 'http' ? 80 : 443),
    protocol,
    maxNetworkRetries: 0,
    timeout: timeoutMs,
    telemetry: false,
  });
}
