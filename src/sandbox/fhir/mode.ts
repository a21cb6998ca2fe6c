/**
 * The FHIR simulator in sandbox mode (`npm start` without a config): one simulator, three practices,
 * one per profile, with the connections the FHIR adapter's config takes (`system: "fhir"`).
 */
import type { RunningSystemSandbox, SandboxModeStartOptions, SandboxPractice } from '../../adapters/system';
import { type FhirSandbox, faultRulesFromJson, GENERIC_SEED, ORACLE_SEED, startFhirSandbox } from './index';

/** Oracle's type lists: every payment type posts with the tenant's payment alias. */
export const ORACLE_PAYMENT_TYPES = [
  { id: 'cash', name: 'Cash', method: 'CASH', alias: ORACLE_SEED.aliases.payment },
  { id: 'check', name: 'Check', method: 'CHCK', alias: ORACLE_SEED.aliases.payment },
  { id: 'credit-card', name: 'Credit Card', method: 'CCCA', alias: ORACLE_SEED.aliases.payment },
];
export const ORACLE_ADJUSTMENT_TYPES = [
  { id: 'courtesy-discount', name: 'Courtesy Discount', alias: ORACLE_SEED.aliases.creditAdjustment, action: 'credit' },
  { id: 'nsf-fee', name: 'NSF Fee', alias: ORACLE_SEED.aliases.debitAdjustment, action: 'debit' },
];
/** Generic's type lists: the names the sandbox accepts in `detail.type.text`. */
export const GENERIC_PAYMENT_TYPES = [
  { id: 'cash', name: GENERIC_SEED.paymentTypes[0], method: 'CASH' },
  { id: 'check', name: GENERIC_SEED.paymentTypes[1], method: 'CHCK' },
  { id: 'credit-card', name: GENERIC_SEED.paymentTypes[2], method: 'CCCA' },
];
export const GENERIC_ADJUSTMENT_TYPES = Object.entries(GENERIC_SEED.adjustmentTypes).map(([name, action]) => ({
  id: name.toLowerCase().replace(/ /g, '-'),
  name,
  action,
}));

/** The sandbox's practices as config entries (`system: "fhir"`); tests use it with their own sandbox. */
export function fhirSandboxPractices(fhir: Pick<FhirSandbox, 'mounts' | 'clients'>): Array<SandboxPractice & { system: 'fhir' }> {
  const connection = (profile: keyof FhirSandbox['mounts']) => ({
    profile,
    baseUrl: fhir.mounts[profile],
    clientId: fhir.clients[profile].clientId,
    privateKeyPem: fhir.clients[profile].privateKeyPem,
    keyId: fhir.clients[profile].keyId,
  });
  return [
    {
      id: 'summit-health',
      name: 'Summit Health (Oracle Health FHIR sandbox)',
      system: 'fhir',
      connection: {
        ...connection('oracle-health'),
        paymentTypes: ORACLE_PAYMENT_TYPES,
        adjustmentTypes: ORACLE_ADJUSTMENT_TYPES,
        ftLocation: 'Summit Main Cashier',
      },
    },
    { id: 'lakeview-epic', name: 'Lakeview Clinics (Epic FHIR sandbox)', system: 'fhir', connection: connection('epic') },
    {
      id: 'open-fhir',
      name: 'Open FHIR Family Practice (generic FHIR sandbox)',
      system: 'fhir',
      connection: { ...connection('generic'), paymentTypes: GENERIC_PAYMENT_TYPES, adjustmentTypes: GENERIC_ADJUSTMENT_TYPES },
    },
  ];
}

/** Sandbox mode's simulator; `FHIR_SANDBOX_FAULTS` (JSON fault rules) injects faults from the start. */
export async function startSandboxMode(options: SandboxModeStartOptions): Promise<RunningSystemSandbox> {
  const faults = process.env.FHIR_SANDBOX_FAULTS;
  const fhir = await startFhirSandbox({ port: options.port ?? 0, faults: faults ? faultRulesFromJson(faults) : [] });
  return {
    practices: fhirSandboxPractices(fhir),
    exampleQuery: `# A family's ledger on the generic FHIR sandbox (also try summit-health and lakeview-epic).
query FhirFamily {
  practices { id name system }
  patient(practiceId: "open-fhir", patientId: "${GENERIC_SEED.alvarez.patientId}") {
    sourceId firstName lastName
    balance { charges { amount } payments { amount } adjustments { amount } total { amount } }
  }
}
`,
    close: () => fhir.close(),
  };
}
