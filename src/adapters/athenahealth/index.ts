/**
 * athenahealth adapter: `createAthenahealthAdapter(connection, options)` → a LedgerAdapter.
 *
 *     import { createAthenahealthAdapter } from './adapters/athenahealth';
 *     const adapter = createAthenahealthAdapter({ baseUrl, clientId, clientSecret, practiceId });
 */
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
