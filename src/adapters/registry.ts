/**
 * Every system the gateway speaks to: one line each. The config schema (`src/config.ts`), the
 * gateway's wiring (`src/server/gateway.ts`), sandbox mode (`src/sandbox/default-config.ts`) and
 * the webhook routes are built from this list; `README.md` here tells how to add a system.
 */
import { athenahealthSystem } from './ledger/athenahealth';
import { nexhealthSystem } from './ledger/nexhealth';
import { sendgridSystem } from './messaging/sendgrid';
import { squareSystem } from './processor/square';
import { stripeSystem } from './processor/stripe';
import type { LedgerSystemDescriptor, ProcessorSystemDescriptor, SystemDescriptor } from './system';

export const SYSTEMS = [
  nexhealthSystem,
  athenahealthSystem,
  stripeSystem,
  squareSystem,
  sendgridSystem,
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
