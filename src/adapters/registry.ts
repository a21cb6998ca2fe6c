/**
 * Every system the gateway speaks to: one line each. The config schema (`src/config.ts`), the
 * gateway's wiring (`src/server/gateway.ts`), sandbox mode (`src/sandbox/default-config.ts`) and
 * the webhook routes are built from this list; `README.md` here tells how to add a system.
 */
import { availitySystem } from './coverage/availity';
import { claimStatusSystem } from './coverage/claim-status';
import type { CoverageService } from './coverage/port';
import { athenahealthSystem } from './ledger/athenahealth';
import { fhirSystem } from './ledger/fhir';
import { nexhealthSystem } from './ledger/nexhealth';
import type { Channel } from './messaging/port';
import { twilioSystem } from './messaging/twilio';
import { sendgridSystem } from './messaging/sendgrid';
import { squareSystem } from './processor/square';
import { stripeSystem } from './processor/stripe';
import type {
  CoverageSystemDescriptor,
  LedgerSystemDescriptor,
  MessagingSystemDescriptor,
  ProcessorSystemDescriptor,
  SystemDescriptor,
} from './system';

export const SYSTEMS = [
  nexhealthSystem,
  athenahealthSystem,
  fhirSystem,
  stripeSystem,
  squareSystem,
  twilioSystem,
  sendgridSystem,
  availitySystem,
  claimStatusSystem,
] as const satisfies readonly SystemDescriptor[];

/** The ledger systems, in registry order: a practice's `system` is one of their words. */
export const LEDGER_SYSTEMS: readonly LedgerSystemDescriptor[] = SYSTEMS.filter((d) => d.kind === 'ledger');

/** The ledger descriptor for a practice's `system`; throws for a word the config could not have accepted. */
export function ledgerSystem(system: string): LedgerSystemDescriptor {
  const found = LEDGER_SYSTEMS.find((d) => d.system === system);
  if (!found) {
    throw new Error(`expected a registered ledger system (${LEDGER_SYSTEMS.map((d) => d.system).join(', ')}), got "${system}"`);
  }
  return found;
}

/** The payment processors, in registry order: a practice's `processor.system` is one of their words. */
export const PROCESSOR_SYSTEMS: readonly ProcessorSystemDescriptor[] = SYSTEMS.filter((d) => d.kind === 'processor');

/** The processor descriptor for a practice's `processor.system`; throws for a word the config could not have accepted. */
export function processorSystem(system: string): ProcessorSystemDescriptor {
  const found = PROCESSOR_SYSTEMS.find((d) => d.system === system);
  if (!found) {
    throw new Error(`expected a registered processor (${PROCESSOR_SYSTEMS.map((d) => d.system).join(', ')}), got "${system}"`);
  }
  return found;
}

/** The messaging providers, in registry order: a practice's `messaging.sms.system` / `messaging.email.system` is one of their words. */
export const MESSAGING_SYSTEMS: readonly MessagingSystemDescriptor[] = SYSTEMS.filter((d) => d.kind === 'messaging');

/** The config key each channel's provider stands under in `messaging`. */
export const MESSAGING_CHANNEL_KEYS = { SMS: 'sms', EMAIL: 'email' } as const satisfies Record<Channel, string>;

/** The messaging descriptor for `system` on `channel`; throws for a word the config could not have accepted there. */
export function messagingSystem(system: string, channel: Channel): MessagingSystemDescriptor {
  const found = MESSAGING_SYSTEMS.find((d) => d.system === system && d.channel === channel);
  if (!found) {
    const words = MESSAGING_SYSTEMS.filter((d) => d.channel === channel).map((d) => d.system);
    throw new Error(`expected a registered ${channel} provider (${words.join(', ')}), got "${system}"`);
  }
  return found;
}

/** The clearinghouses, in registry order: a practice's `coverage.<service>.clearinghouse` is one of their words. */
export const COVERAGE_SYSTEMS: readonly CoverageSystemDescriptor[] = SYSTEMS.filter((d) => d.kind === 'coverage');

/** The coverage services, each the key its clearinghouse stands under in `coverage`. */
export const COVERAGE_SERVICES = ['eligibility', 'claimStatus'] as const satisfies readonly CoverageService[];

/** The coverage descriptor for `clearinghouse` on `service`; throws for a word the config could not have accepted there. */
export function coverageSystem(clearinghouse: string, service: CoverageService): CoverageSystemDescriptor {
  const found = COVERAGE_SYSTEMS.find((d) => d.system === clearinghouse && d.service === service);
  if (!found) {
    const words = COVERAGE_SYSTEMS.filter((d) => d.service === service).map((d) => d.system);
    throw new Error(`expected a registered ${service} clearinghouse (${words.join(', ')}), got "${clearinghouse}"`);
  }
  return found;
}
