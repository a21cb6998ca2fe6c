/**
 * SMART discovery (`.well-known/smart-configuration`) and the CapabilityStatement (`metadata`),
 * neither behind auth. The CapabilityStatement carries the token URL in the `oauth-uris` extension
 * (the fallback when discovery answers 404) and lists `batch` only on generic while batch is enabled.
 */
import type { MountDefinition } from './profiles';

export const OAUTH_URIS = 'http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris';

export function smartConfiguration(mount: MountDefinition, tokenUrl: string) {
  return {
    token_endpoint: tokenUrl,
    token_endpoint_auth_methods_supported: mount.acceptsBasic ? ['private_key_jwt', 'client_secret_basic'] : ['private_key_jwt'],
    token_endpoint_auth_signing_alg_values_supported: ['RS384'],
    grant_types_supported: ['client_credentials'],
    scopes_supported: mount.scopes,
    capabilities: ['client-confidential-asymmetric', 'permission-v1', ...(mount.acceptsV2Scopes ? ['permission-v2'] : [])],
  };
}

export function capabilityStatement(mount: MountDefinition, tokenUrl: string, batchEnabled: boolean) {
  const types = new Set([...mount.instanceReads, ...Object.keys(mount.searches), ...mount.writes]);
  return {
    resourceType: 'CapabilityStatement',
    status: 'active',
    date: '2026-01-01',
    kind: 'instance',
    software: { name: `ledger-gateway FHIR sandbox (${mount.profile})` },
    fhirVersion: '4.0.1',
    format: ['application/fhir+json', 'json'],
    rest: [
      {
        mode: 'server',
        security: {
          service: [
            { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/restful-security-service', code: 'SMART-on-FHIR' }] },
          ],
          extension: [{ url: OAUTH_URIS, extension: [{ url: 'token', valueUri: tokenUrl }] }],
        },
        resource: [...types].map((type) => ({
          type,
          interaction: [
            ...(mount.instanceReads.includes(type) ? [{ code: 'read' }] : []),
            ...(mount.searches[type] ? [{ code: 'search-type' }] : []),
            ...(mount.writes.includes(type) ? [{ code: 'create' }] : []),
          ],
          searchParam: [...new Set((mount.searches[type] ?? []).flatMap((c) => [...c.required, ...(c.optional ?? [])]))].map(
            (name) => ({
              name,
              type: 'token',
            }),
          ),
        })),
        interaction: mount.batch && batchEnabled ? [{ code: 'batch' }] : [],
      },
    ],
  };
}
