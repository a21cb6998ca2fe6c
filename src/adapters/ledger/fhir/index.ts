/**
 * FHIR R4 ledgers (profiles `oracle-health`, `epic`, `generic`) as a registered system.
 *
 *     import { createFhirAdapter } from './adapters/ledger/fhir';
 *     const adapter = createFhirAdapter({ profile: 'epic', baseUrl, clientId, privateKeyPem, keyId });
 */
import { defineLedgerSystem } from '../../system';
import { createFhirAdapter } from './adapter';
import { fhirConnectionSchema } from './connection';
import { fhirRateLimits } from './rate-limits';

export { createFhirAdapter, type FhirAdapterOptions, type FhirOutgoingWrite } from './adapter';
export { FHIR_CAPABILITIES, FHIR_UNSUPPORTED } from './capabilities';
export { fhirConnectionSchema, type FhirConnection } from './connection';
export { isAllowedSearch, SEARCHES, type FhirProfile } from './allowed-searches';
export { fhirRateLimits } from './rate-limits';

/** FHIR R4 as a registered system. */
export const fhirSystem = defineLedgerSystem({
  system: 'fhir',
  practiceSystem: 'FHIR',
  connection: fhirConnectionSchema,
  createAdapter: (connection, options) => createFhirAdapter(connection, options),
  rateLimits: fhirRateLimits,
  sandbox: { start: async (options) => (await import('../../../sandbox/fhir/mode')).startSandboxMode(options) },
});
