/**
 * athenahealth adapter: `createAthenahealthAdapter(connection, options)` → a LedgerAdapter.
 *
 *     import { createAthenahealthAdapter } from './adapters/athenahealth';
 *     const adapter = createAthenahealthAdapter({ baseUrl, clientId, clientSecret, practiceId });
 */
import { defineLedgerSystem } from '../../system';
import { athenahealthRateLimits } from './rate-limits';
import { createAthenahealthAdapter as create } from './adapter';
import { athenahealthConnectionSchema } from './connection';

export {
  createAthenahealthAdapter,
  collectPaymentForm,
  ATHENAHEALTH_CAPABILITIES,
  type AthenahealthAdapter,
  type AthenahealthAdapterOptions,
  type AthenahealthCollectibleContext,
  type AthenahealthConnection,
  type UpstreamCallEvent,
} from './adapter';
export { athenahealthRateLimits } from './rate-limits';
export { ATHENA_TOKEN_PATH, ATHENA_TOKEN_SCOPE, redact } from './client';
export {
  GUARANTOR_ID_PREFIX,
  athenaDate,
  guarantorIdFor,
  patientIdOfGuarantor,
  isSelfGuarantor,
  mapClaims,
  mapLedger,
  mapPatient,
  mapSyntheticGuarantor,
  statedPatientAmounts,
} from './mapping';

export { athenahealthConnectionSchema } from './connection';

/** athenahealth (athenaOne) as a registered system. */
export const athenahealthSystem = defineLedgerSystem({
  system: 'athenahealth',
  practiceSystem: 'ATHENAHEALTH',
  connection: athenahealthConnectionSchema,
  createAdapter: (connection, options) => create(connection, options),
  rateLimits: athenahealthRateLimits,
  sandbox: { start: async (options) => (await import('../../../sandbox/athenahealth/mode')).startSandboxMode(options) },
});
