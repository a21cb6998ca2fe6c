/**
 * Shared pieces of the QuickBooks adapter tests: a sandbox, a realm's connection to it, an
 * in-memory refresh-token store that records what it was asked, and the sandbox's API requests.
 */
import type { RefreshTokenStore } from '../../../src/adapters/accounting/port';
import { quickbooksConnectionSchema, type QuickbooksConnection } from '../../../src/adapters/accounting/quickbooks';
import type { UpstreamCallEvent } from '../../../src/adapters/http/upstream-call';
import { QBO_SANDBOX_REALMS, type QuickBooksSandbox } from '../../../src/sandbox/quickbooks';

export const SMILE = QBO_SANDBOX_REALMS.smileDental.realmId;
export const NORTH = QBO_SANDBOX_REALMS.northside.realmId;

export function connectionFor(
  qbo: QuickBooksSandbox,
  realmId = SMILE,
  overrides: Partial<QuickbooksConnection> = {},
): QuickbooksConnection {
  const realm = Object.values(qbo.realms).find((r) => r.realmId === realmId);
  if (!realm) throw new Error(`no sandbox realm ${realmId}`);
  return quickbooksConnectionSchema.parse({
    baseUrl: qbo.url,
    tokenUrl: qbo.tokenUrl,
    clientId: qbo.client.clientId,
    clientSecret: qbo.client.clientSecret,
    refreshToken: realm.refreshToken,
    realmId,
    verifierToken: qbo.verifierToken,
    ...overrides,
  });
}

/** A refresh-token store in memory whose every load and save is recorded, with the API request count at the time. */
export class RecordingTokens implements RefreshTokenStore {
  token: string | null = null;
  readonly saves: Array<{ token: string; apiRequestsBefore: number }> = [];
  failSaves = false;

  constructor(private readonly qbo: QuickBooksSandbox) {}

  async load() {
    return this.token;
  }

  async save(token: string, previous?: string | null) {
    if (this.failSaves) throw new Error('the store is down');
    if (previous !== undefined && this.token !== null && this.token !== previous) return false;
    this.saves.push({ token, apiRequestsBefore: apiRequests(this.qbo).length });
    this.token = token;
    return true;
  }
}

/** The sandbox's company API requests (token requests excluded). */
export function apiRequests(qbo: QuickBooksSandbox, realmId = SMILE) {
  return qbo.requestsFor(realmId);
}

export function tokenRequests(qbo: QuickBooksSandbox) {
  return qbo.requests.filter((r) => r.realmId === null);
}

/** Every upstream call event an adapter reported. */
export function recordCalls(): { events: UpstreamCallEvent[]; onUpstreamCall: (e: UpstreamCallEvent) => void } {
  const events: UpstreamCallEvent[] = [];
  return { events, onUpstreamCall: (e) => events.push(e) };
}

export const customerInput = (overrides: Record<string, unknown> = {}) => ({
  guarantorSourceId: '2001',
  firstName: 'Dana',
  lastName: 'Reed',
  email: 'dana.reed@example.com',
  phone: '+15555550123',
  knownCustomerId: null,
  idempotencyKey: 'LG:1042',
  ...overrides,
});

export const saleBooking = (customerId: string, overrides: Record<string, unknown> = {}) => ({
  kind: 'SALE' as const,
  transactionId: 'LG:1042',
  idempotencyKey: 'LG:1042',
  customerId,
  amount: 12_550,
  date: '2026-07-30',
  itemId: '1',
  depositAccountId: '35',
  paymentMethodId: null,
  description: 'Patient payment',
  processor: { name: 'STRIPE' as const, paymentId: 'pi_3abc', refundId: null },
  ...overrides,
});
