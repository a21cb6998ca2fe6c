/**
 * The QuickBooks simulator in sandbox mode (`npm start` without a config): one sandbox serving a
 * realm for each sandbox practice that collects through a processor (Smile Dental and Northside:
 * Stripe; Bright Family Dentistry: Square), each as the `accounting.connection` of that practice
 * (`{ baseUrl, tokenUrl, clientId, clientSecret, refreshToken, realmId, verifierToken }`). The
 * practice config's `depositAccountId` / `itemId` / `paymentMethodId` are the seeded ids in
 * `QBO_SEEDED_IDS` (the same in every realm): "35" Checking, "1" Patient payment, "3" Credit Card.
 * When the gateway's URL is known, webhooks go to `<gateway>/webhooks/quickbooks/<first practice>`
 * (one URL per Intuit app; the gateway routes by realm). `QUICKBOOKS_SANDBOX_FAULTS` (JSON fault
 * rules) injects faults from the start.
 *
 * The shapes below mirror the gateway's sandbox-mode types structurally: a simulator imports nothing
 * from the code it checks.
 */
import { faultRulesFromJson } from '../shared/fault-injection';
import { QBO_SANDBOX_REALMS, QBO_SEEDED_IDS, type QuickBooksConnection, qboConnection, startQuickBooksSandbox } from './index';

export interface QuickBooksSandboxPractice {
  id: string;
  name: string;
  connection: QuickBooksConnection;
  /** What the practice's `accounting` config names beside `connection`. */
  accounting: { depositAccountId: string; itemId: string; paymentMethodId: string };
}

/** The sandbox's realms as accounting connections, by the practice that keeps its books there. */
export function quickBooksSandboxPractices(url: string): QuickBooksSandboxPractice[] {
  return Object.values(QBO_SANDBOX_REALMS).map((realm) => ({
    id: realm.practiceId,
    name: `${realm.companyName} (QuickBooks sandbox company ${realm.realmId})`,
    connection: qboConnection(url, realm),
    accounting: {
      depositAccountId: QBO_SEEDED_IDS.depositAccountId,
      itemId: QBO_SEEDED_IDS.itemId,
      paymentMethodId: QBO_SEEDED_IDS.paymentMethodId,
    },
  }));
}

export async function startSandboxMode(options: {
  port?: number;
  gatewayUrl?: string;
}): Promise<{ practices: QuickBooksSandboxPractice[]; close(): Promise<void> }> {
  const faults = process.env.QUICKBOOKS_SANDBOX_FAULTS;
  const practices = (url: string) => quickBooksSandboxPractices(url);
  const sandbox = await startQuickBooksSandbox({
    port: options.port ?? 0,
    faults: faults ? faultRulesFromJson(faults) : [],
    webhookUrl: options.gatewayUrl
      ? `${options.gatewayUrl}/webhooks/quickbooks/${QBO_SANDBOX_REALMS.smileDental.practiceId}`
      : null,
  });
  return { practices: practices(sandbox.url), close: () => sandbox.close() };
}
