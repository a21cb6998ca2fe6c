/**
 * A tiny FHIR client for the sandbox tests, speaking the wire format directly (independent of the
 * adapter): RS384 client assertions signed with `jose`, bearer calls, searchset paging.
 */
import { randomUUID } from 'node:crypto';
import { importPKCS8, SignJWT } from 'jose';
import type { FhirProfile, FhirSandbox } from '../../src/sandbox/fhir';

export interface AssertionOverrides {
  aud?: string;
  iss?: string;
  kid?: string;
  alg?: string;
  privateKeyPem?: string;
  expiresInSeconds?: number;
  jti?: string;
}

/** A client assertion as the spec prescribes, with one field changed when a test wants it broken. */
export async function assertion(fhir: FhirSandbox, profile: FhirProfile, overrides: AssertionOverrides = {}): Promise<string> {
  const client = fhir.clients[profile];
  const key = await importPKCS8(overrides.privateKeyPem ?? client.privateKeyPem, overrides.alg ?? 'RS384');
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({})
    .setProtectedHeader({ alg: overrides.alg ?? 'RS384', typ: 'JWT', kid: overrides.kid ?? client.keyId })
    .setIssuer(overrides.iss ?? client.clientId)
    .setSubject(overrides.iss ?? client.clientId)
    .setAudience(overrides.aud ?? client.tokenUrl)
    .setJti(overrides.jti ?? randomUUID())
    .setIssuedAt(now)
    .setExpirationTime(now + (overrides.expiresInSeconds ?? 300))
    .sign(key);
}

export async function requestToken(
  fhir: FhirSandbox,
  profile: FhirProfile,
  options: { scope?: string; jwt?: string; basic?: string } = {},
): Promise<Response> {
  const form = new URLSearchParams({ grant_type: 'client_credentials' });
  if (options.scope !== undefined) form.set('scope', options.scope);
  if (options.basic === undefined) {
    form.set('client_assertion_type', 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer');
    form.set('client_assertion', options.jwt ?? (await assertion(fhir, profile)));
  }
  return fetch(fhir.clients[profile].tokenUrl, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/x-www-form-urlencoded',
      ...(options.basic !== undefined ? { Authorization: `Basic ${Buffer.from(options.basic).toString('base64')}` } : {}),
    },
    body: form,
  });
}

export async function token(fhir: FhirSandbox, profile: FhirProfile, scope?: string): Promise<string> {
  const res = await requestToken(fhir, profile, scope === undefined ? {} : { scope });
  if (res.status !== 200) throw new Error(`token: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { access_token: string }).access_token;
}

export interface FhirResponse {
  status: number;
  headers: Headers;
  body: any;
}

/** A call below a mount's service root (`path` like `/Patient/1` or `/ChargeItem?x=y`), or an absolute URL. */
export async function call(
  fhir: FhirSandbox,
  profile: FhirProfile,
  bearer: string,
  path: string,
  init: { method?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<FhirResponse> {
  const url = path.startsWith('http') ? path : `${fhir.mounts[profile]}${path}`;
  const res = await fetch(url, {
    method: init.method ?? 'GET',
    headers: {
      Authorization: `Bearer ${bearer}`,
      Accept: 'application/fhir+json',
      ...(init.body !== undefined ? { 'Content-Type': 'application/fhir+json' } : {}),
      ...init.headers,
    },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : null };
}

/** Match entries of a searchset page. */
export const matches = (bundle: any): any[] =>
  (bundle.entry ?? []).filter((e: any) => e.search?.mode === 'match' || e.search?.mode === undefined).map((e: any) => e.resource);

export const nextLink = (bundle: any): string | undefined => bundle.link?.find((l: any) => l.relation === 'next')?.url;
