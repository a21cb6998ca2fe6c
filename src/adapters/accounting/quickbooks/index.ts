/** The QuickBooks Online accounting adapter (Accounting API v3, minor version 75; tokens through `intuit-oauth` 4.2.5). */
import { defineAccountingSystem } from '../../system';
import { createQuickbooksAdapter } from './adapter';
import { quickbooksConnectionSchema } from './connection';
import { quickbooksRateLimits } from './rate-limits';

export { createQuickbooksAdapter, quickbooksCapabilities } from './adapter';
export { QuickbooksClient, QUICKBOOKS_DEFAULTS, QUICKBOOKS_MINOR_VERSION } from './client';
export { INTUIT_TOKEN_URL, quickbooksConnectionSchema, type QuickbooksConnection } from './connection';
export { displayNameOf, queryLiteral, refusalOf } from './mapping';
export { QUICKBOOKS_MAX_CONCURRENT_PER_REALM, QUICKBOOKS_TOKEN_ENDPOINT, quickbooksRateLimits } from './rate-limits';
export { signQuickbooksWebhook, verifyQuickbooksWebhook } from './webhooks';

/** QuickBooks Online as a registered accounting system (`registry.ts`). */
export const quickbooksSystem = defineAccountingSystem({
  system: 'quickbooks',
  connection: quickbooksConnectionSchema,
  createAdapter: (connection, options) => createQuickbooksAdapter(connection, options),
  rateLimits: quickbooksRateLimits,
  sandbox: { start: async (options) => (await import('../../../sandbox/quickbooks/mode')).startSandboxMode(options) },
});
