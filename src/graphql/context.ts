/**
 * The context every resolver receives: who is calling, the request's loaders, and the gateway's
 * long-lived services. One per GraphQL operation (HTTP request or subscription event).
 */
import { callerMayTouch, type Caller } from '../auth/api-keys';
import type { GatewayConfig } from '../config';
import type { BillingCycleFlow } from '../flows/billing-cycle/flow';
import type { BookingFlow } from '../flows/booking/flow';
import type { ClaimWatchFlow } from '../flows/claim-watch/flow';
import type { EligibilityFlow } from '../flows/eligibility/flow';
import type { CollectionFlow } from '../flows/collection/flow';
import type { Practice, PracticeRegistry } from '../practices';
import type { PracticeReports } from '../reports/practice-reports';
import type { StatusBus } from '../transactions/status-bus';
import type { TransactionService } from '../transactions/service';
import { gatewayError } from './errors';
import { createLoaders, type BatchObserver, type Loaders } from './loaders';
import type { AccountingAdapters } from '../server/accounting-adapters';

export interface GatewayServices {
  config: GatewayConfig;
  registry: PracticeRegistry;
  transactions: TransactionService;
  bus: StatusBus;
  observeBatch?: BatchObserver;
  /** Checkouts through the practices' processors (`src/flows/collection/`). */
  collection: CollectionFlow;
  /** Reminders and billing cycles (`src/flows/billing-cycle/`). */
  billing: BillingCycleFlow;
  /** Bookings to the practices' books (`src/flows/booking/`); absent in tests that build services by hand. */
  booking?: BookingFlow;
  /** Each practice's books: `accountingAdapterFor(practiceId)`, `accountingConfigFor(practiceId)` (`src/server/accounting-adapters.ts`). */
  accounting: AccountingAdapters;
  /** Practice-wide reports' snapshots, shared by every key of a practice (`src/reports/`). */
  reports: PracticeReports;
  /** Eligibility checks through the practices' clearinghouses (`src/flows/eligibility/`). */
  eligibility: EligibilityFlow;
  /** Claim status from the payers, watched on a cadence (`src/flows/claim-watch/`). */
  claimWatch: ClaimWatchFlow;
}

export interface GatewayContext {
  caller: Caller;
  loaders: Loaders;
  services: GatewayServices;
}

export function createContext(caller: Caller, services: GatewayServices): GatewayContext {
  return { caller, services, loaders: createLoaders(services.registry, services.observeBatch) };
}

/**
 * The practice for an argument, if the caller may touch it. A practice outside the key's list is
 * FORBIDDEN whether or not it exists, so a key cannot probe for other tenants.
 */
export function requirePractice(ctx: GatewayContext, practiceId: string): Practice {
  const practice = callerMayTouch(ctx.caller, practiceId) ? ctx.services.registry.get(practiceId) : undefined;
  if (!practice) {
    if (ctx.caller.practices === '*') throw gatewayError('NOT_FOUND', `no practice "${practiceId}"`);
    throw gatewayError('FORBIDDEN', `this API key may not touch practice "${practiceId}"`);
  }
  return practice;
}

/** The practices the caller may see, in config order. */
export function visiblePractices(ctx: GatewayContext): Practice[] {
  return ctx.services.registry.all().filter((p) => callerMayTouch(ctx.caller, p.id));
}
