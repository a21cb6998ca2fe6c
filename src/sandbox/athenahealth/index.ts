/**
 * The athenahealth sandbox: an in-process simulator of the athenaOne v1 API subset the gateway uses.
 *
 *     import { startAthenahealthSandbox, ATHENA_SEED_PATIENTS } from './sandbox/athenahealth';
 *     const sandbox = await startAthenahealthSandbox({ port: 0 });
 */
export {
  startAthenahealthSandbox,
  ATHENA_TOKEN_SCOPE,
  ATHENA_PATIENT_NOT_FOUND,
  ATHENA_INVALID_PRACTICE,
  ATHENA_APPOINTMENT_NOT_FOUND,
  type AthenahealthSandbox,
  type AthenahealthSandboxOptions,
  type RequestLogEntry,
} from './server';
export { FaultRegistry, type ActiveFault, type FaultControls, type FaultKind, type FaultRule } from './faults';
export {
  ATHENA_SEED_APPOINTMENTS,
  ATHENA_SEED_CARDS,
  ATHENA_SEED_CLAIMS,
  ATHENA_SEED_CLIENT_ID,
  ATHENA_SEED_CLIENT_SECRET,
  ATHENA_SEED_DEPARTMENTS,
  ATHENA_SEED_PATIENTS,
  ATHENA_SEED_PRACTICE_ENTERPRISE,
  ATHENA_SEED_PRACTICE_SINGLE,
  buildAthenahealthSeed,
  chargePatientRemaining,
  claimBilled,
  claimPatientBalance,
  isCleanClaim,
  type SimAppointment,
  type SimCharge,
  type SimClaim,
  type SimDepartment,
  type SimPatient,
  type SimPractice,
  type SimReceipt,
  type SimState,
  type SimTransaction,
} from './seed';
