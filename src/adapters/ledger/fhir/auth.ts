/**
 * SMART Backend Services for the FHIR adapter: discovery of the token endpoint, the RS384 client
 * assertion (signed with `jose`), and the client_credentials form. Pure of I/O: the client
 * (`client.ts`) sends what these build.
 *
 *     const assertion = await signClientAssertion({ clientId, keyId, privateKeyPem, tokenUrl, now, jti });
 *     const form = tokenForm({ scopes, assertion });              // grant_type=client_credentials&scope=…
 *     const url = tokenEndpointFrom(smartConfigurationJson);      // token_endpoint, validated
 *
 * The JWT is what the spec of SMART Backend Services asks, no more: header
 * `{alg: RS384, typ: JWT, kid}`, claims `iss = sub = clientId`, `aud` = the token URL exactly,
 * a fresh UUID v4 `jti`, `iat` = now and `exp` = now + 300 s (servers refuse longer-lived ones).
 */
import { randomUUID } from 'node:crypto';
import { importPKCS8, SignJWT } from 'jose';

type SigningKey = Awaited<ReturnType<typeof importPKCS8>>;
import { z } from 'zod';
import type { FhirProfile } from './allowed-searches';

export const CLIENT_ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
/** The assertion's lifetime: the most SMART servers accept. */
export const ASSERTION_LIFETIME_S = 300;
/** A token is reused until this long before its `expires_in` runs out. */
export const TOKEN_EARLY_REFRESH_S = 60;
/** How long a discovered token endpoint is trusted. */
export const DISCOVERY_TTL_MS = 24 * 60 * 60 * 1000;
export const OAUTH_URIS_EXTENSION = 'http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris';

/** Each profile's SMART v1 system scopes (the `scopes` connection key overrides them). */
export const DEFAULT_SCOPES: Readonly<Record<FhirProfile, readonly string[]>> = {
  'oracle-health': [
    'system/Patient.read',
    'system/RelatedPerson.read',
    'system/Encounter.read',
    'system/Account.read',
    'system/ChargeItem.read',
    'system/Coverage.read',
    // A FinancialTransaction needs both write scopes.
    'system/Basic.write',
    'system/FinancialTransaction.write',
  ],
  epic: ['system/Patient.read', 'system/Coverage.read', 'system/ExplanationOfBenefit.read'],
  generic: [
    'system/Patient.read',
    'system/RelatedPerson.read',
    'system/Account.read',
    'system/ChargeItem.read',
    'system/Claim.read',
    'system/ClaimResponse.read',
    'system/Coverage.read',
    'system/PaymentReconciliation.read',
    'system/PaymentReconciliation.write',
  ],
};

export interface AssertionInput {
  clientId: string;
  keyId: string;
  privateKeyPem: string;
  /** The token endpoint URL, exactly as discovered (or configured): it is the `aud`. */
  tokenUrl: string;
  /** Seconds since the epoch. */
  now: number;
  /** Default: a new UUID v4. */
  jti?: string;
}

const keyCache = new Map<string, Promise<SigningKey>>();

/** The signed client assertion (compact JWS). */
export async function signClientAssertion(input: AssertionInput): Promise<string> {
  let key = keyCache.get(input.privateKeyPem);
  if (!key) {
    key = importPKCS8(input.privateKeyPem, 'RS384');
    keyCache.set(input.privateKeyPem, key);
    key.catch(() => keyCache.delete(input.privateKeyPem));
  }
  return new SignJWT({})
    .setProtectedHeader({ alg: 'RS384', typ: 'JWT', kid: input.keyId })
    .setIssuer(input.clientId)
    .setSubject(input.clientId)
    .setAudience(input.tokenUrl)
    .setJti(input.jti ?? randomUUID())
    .setIssuedAt(input.now)
    .setExpirationTime(input.now + ASSERTION_LIFETIME_S)
    .sign(await key);
}

/** The client_credentials form body; without an assertion, for HTTP Basic (oracle-health's system-account secret). */
export function tokenForm(args: { scopes: readonly string[]; assertion: string | null }): string {
  const form = new URLSearchParams({ grant_type: 'client_credentials', scope: args.scopes.join(' ') });
  if (args.assertion !== null) {
    form.set('client_assertion_type', CLIENT_ASSERTION_TYPE);
    form.set('client_assertion', args.assertion);
  }
  return form.toString();
}

const smartConfigurationSchema = z.looseObject({
  token_endpoint: z.url(),
  token_endpoint_auth_methods_supported: z.array(z.string()).optional(),
  token_endpoint_auth_signing_alg_values_supported: z.array(z.string()).optional(),
});

/** `token_endpoint` out of `.well-known/smart-configuration`; throws with what was wrong. */
export function tokenEndpointFrom(json: unknown, usesJwt: boolean): string {
  const parsed = smartConfigurationSchema.safeParse(json);
  if (!parsed.success) throw new Error('smart-configuration: expected a token_endpoint URL');
  const c = parsed.data;
  if (
    usesJwt &&
    c.token_endpoint_auth_methods_supported &&
    !c.token_endpoint_auth_methods_supported.includes('private_key_jwt')
  ) {
    throw new Error('smart-configuration: the server does not list private_key_jwt among its token auth methods');
  }
  if (
    usesJwt &&
    c.token_endpoint_auth_signing_alg_values_supported &&
    !c.token_endpoint_auth_signing_alg_values_supported.includes('RS384')
  ) {
    throw new Error('smart-configuration: the server does not list RS384 among its signing algorithms');
  }
  return c.token_endpoint;
}

const extensionSchema: z.ZodType<{ url?: string; valueUri?: string; extension?: unknown[] }> = z.looseObject({
  url: z.string().optional(),
  valueUri: z.string().optional(),
  extension: z.array(z.unknown()).optional(),
});

/** The token URL out of a CapabilityStatement's `oauth-uris` extension (discovery's fallback on 404). */
export function tokenEndpointFromMetadata(json: unknown): string {
  const rest = z
    .looseObject({
      rest: z.array(z.looseObject({ security: z.looseObject({ extension: z.array(extensionSchema) }).optional() })).min(1),
    })
    .safeParse(json);
  const outer = rest.success ? rest.data.rest[0]!.security?.extension?.find((e) => e.url === OAUTH_URIS_EXTENSION) : undefined;
  const inner = (outer?.extension ?? [])
    .map((e) => extensionSchema.safeParse(e))
    .find((r) => r.success && r.data.url === 'token');
  const uri = inner?.success ? inner.data.valueUri : undefined;
  if (!uri) throw new Error('metadata: expected rest[0].security oauth-uris extension with a token valueUri');
  return uri;
}

export const tokenResponseSchema = z.looseObject({
  access_token: z.string().min(1),
  token_type: z.string().refine((t) => t.toLowerCase() === 'bearer', 'expected token_type bearer'),
  expires_in: z.number().positive(),
  scope: z.string().optional(),
});

/** When a token answered at `nowMs` with `expiresIn` seconds stops being reused. */
export function tokenReuseUntil(nowMs: number, expiresIn: number): number {
  return nowMs + Math.max(0, expiresIn - TOKEN_EARLY_REFRESH_S) * 1000;
}
