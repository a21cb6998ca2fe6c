/**
 * The NexHealth simulator in sandbox mode (`npm start` without a config): two practices on one
 * sandbox, an Open Dental-like location and a Dentrix one (no write-off estimates, refunds become
 * adjustments), and a first GraphiQL query over a family's ledger.
 */
import type { RunningSystemSandbox, SandboxModeStartOptions, SandboxPractice } from '../../adapters/system';
import { createNexSeed, faultRulesFromJson, NEX_SEED, startNexhealthSandbox, type NexhealthSandbox } from './index';
import { addScalePatients } from './seed-scale';

/** The sandbox's practices as config entries (`system: "nexhealth"`); tests use it with their own sandbox. */
export function nexhealthSandboxPractices(
  nex: Pick<NexhealthSandbox, 'url' | 'apiKey' | 'subdomain' | 'locations'>,
): Array<SandboxPractice & { system: 'nexhealth' }> {
  const connection = { baseUrl: nex.url, apiKey: nex.apiKey, subdomain: nex.subdomain };
  return [
    {
      id: 'smile-dental',
      name: 'Smile Dental (NexHealth sandbox, Open Dental)',
      system: 'nexhealth',
      connection: { ...connection, locationId: nex.locations.openDental, pms: 'open_dental' },
    },
    {
      id: 'bright-dentrix',
      name: 'Bright Family Dentistry (NexHealth sandbox, Dentrix)',
      system: 'nexhealth',
      connection: { ...connection, locationId: nex.locations.dentrix, pms: 'dentrix' },
    },
  ];
}

/** The payment type a processor's collections post as, per sandbox practice: the location's card type. */
export const SANDBOX_PROCESSOR_PAYMENT_TYPES: Readonly<Record<string, string>> = {
  'smile-dental': NEX_SEED.paymentTypes.openDental.creditCard,
  'bright-dentrix': NEX_SEED.paymentTypes.dentrix.visaMasterCard,
};

/** Sandbox mode's simulator; `NEXHEALTH_SANDBOX_FAULTS` (JSON fault rules) injects faults from the start. */
export async function startSandboxMode(options: SandboxModeStartOptions): Promise<RunningSystemSandbox> {
  const faults = process.env.NEXHEALTH_SANDBOX_FAULTS;
  const seed = createNexSeed();
  if (options.patients) addScalePatients(seed, { patients: options.patients });
  const nex = await startNexhealthSandbox({ port: options.port ?? 0, faults: faults ? faultRulesFromJson(faults) : [], seed });
  const family = NEX_SEED.families.alvarez.guarantorId;
  return {
    // Processor collections post as each location's card payment type (sandbox mode gives these
    // practices a processor sandbox: src/sandbox/default-config.ts).
    practices: nexhealthSandboxPractices(nex).map((practice) => ({
      ...practice,
      processorPaymentTypeId: SANDBOX_PROCESSOR_PAYMENT_TYPES[practice.id],
    })),
    exampleQuery: `# A family's ledger in the NexHealth sandbox: balances, aging and reconciliation.
# Every sandbox practice is listed by \`practices\`; the same document works on each.
query FamilyLedger {
  practices { id name system }
  guarantor(practiceId: "smile-dental", guarantorId: "${family}") {
    sourceId
    patients {
      sourceId firstName lastName
      balance { charges { amount } payments { amount } adjustments { amount } total { amount } }
    }
    aging { current { amount } days31To60 { amount } days61To90 { amount } over90 { amount } total { amount } }
    outOfPocketAging { total { amount } writeOffEstimate { amount } }
    reconciliation { computed { amount } reported { amount } difference { amount } consistent }
  }
}
`,
    close: () => nex.close(),
  };
}
