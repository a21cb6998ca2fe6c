/**
 * The SendGrid simulator in sandbox mode (`npm start` without a config): one sandbox serving the two
 * seeded accounts, each as the `messaging.email` connection of the practice it belongs to.
 * `SENDGRID_SANDBOX_FAULTS` (JSON fault rules) injects faults from the start;
 * `options.gatewayUrl`, else `SENDGRID_SANDBOX_WEBHOOK_BASE` (a gateway's public URL), makes it post
 * events to `<base>/webhooks/sendgrid/<practiceId>` from the start.
 *
 * The shapes below mirror the gateway's sandbox-mode types structurally: a simulator imports nothing
 * from the code it checks.
 */
import { faultRulesFromJson } from '../shared/fault-injection';
import { EVENT_WEBHOOK_PUBLIC_KEY, SANDBOX_ASM_GROUP_ID, SANDBOX_TEMPLATE_ID, SENDGRID_SANDBOX_ACCOUNTS } from './accounts';
import { startSendgridSandbox } from './index';

export interface SendgridSandboxPractice {
  id: string;
  name: string;
  connection: {
    baseUrl: string;
    apiKey: string;
    fromEmail: string;
    fromName: string;
    templateId: string;
    asmGroupId: number;
    eventWebhookPublicKey: string;
  };
}

/** The sandbox's accounts as email connections, by the practice that uses each. */
export function sendgridSandboxPractices(url: string): SendgridSandboxPractice[] {
  return Object.values(SENDGRID_SANDBOX_ACCOUNTS).map((account) => ({
    id: account.practiceId,
    name: `${account.name} (SendGrid sandbox sender ${account.sender})`,
    connection: {
      baseUrl: url,
      apiKey: account.apiKey,
      fromEmail: account.sender,
      fromName: account.name,
      templateId: SANDBOX_TEMPLATE_ID,
      asmGroupId: SANDBOX_ASM_GROUP_ID,
      eventWebhookPublicKey: EVENT_WEBHOOK_PUBLIC_KEY,
    },
  }));
}

export async function startSandboxMode(options: {
  port?: number;
  /** The gateway's public URL, when sandbox mode knows it: events go to `<gatewayUrl>/webhooks/sendgrid/<practiceId>`. */
  gatewayUrl?: string;
}): Promise<{ practices: SendgridSandboxPractice[]; close(): Promise<void> }> {
  const faults = process.env.SENDGRID_SANDBOX_FAULTS;
  const sandbox = await startSendgridSandbox({
    port: options.port ?? 0,
    faults: faults ? faultRulesFromJson(faults) : [],
    webhookBaseUrl: options.gatewayUrl ?? (process.env.SENDGRID_SANDBOX_WEBHOOK_BASE || undefined),
  });
  return { practices: sendgridSandboxPractices(sandbox.url), close: () => sandbox.close() };
}
