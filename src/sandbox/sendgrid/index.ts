/**
 * The SendGrid simulator: `startSendgridSandbox({ port: 0 })` serves `POST /v3/mail/send` and the
 * `/_sandbox/…` controls on one port, with the two seeded accounts, and posts signed Event Webhook
 * batches. In process, tests also get the knobs directly. See `README.md` here.
 *
 *     const sg = await startSendgridSandbox({ batchWindowMs: 20 });
 *     sg.setWebhookUrl('http://127.0.0.1:4000/webhooks/sendgrid/smile-dental', SENDGRID_SANDBOX_ACCOUNTS.smileDental.apiKey);
 *     // point the adapter at sg.url with that account's key, sender, SANDBOX_TEMPLATE_ID, group 101, EVENT_WEBHOOK_PUBLIC_KEY
 *     sg.messages;          // the sent log
 *     await sg.webhooks.idle();
 */
import type { AddressInfo } from 'node:net';
import { addressUrl, listen } from '../../server/listen';
import { FaultInjector, type FaultRule } from '../shared/fault-injection';
import type { RecordedRequest } from '../shared/request-log';
import { accountForKey, SENDGRID_SANDBOX_ACCOUNTS } from './accounts';
import { addFault, type FaultJson, resetAll, type SandboxParts } from './controls';
import { Mailbox, type SentMessage } from './mailbox';
import { createSendgridServer } from './server';
import { SendgridWebhookHub } from './webhooks';

export {
  EVENT_WEBHOOK_PRIVATE_KEY,
  EVENT_WEBHOOK_PUBLIC_KEY,
  SANDBOX_ASM_GROUP_ID,
  SANDBOX_TEMPLATE_ID,
  SENDGRID_SANDBOX_ACCOUNTS,
  type SendgridAccount,
} from './accounts';
export type { FaultJson } from './controls';
export type { SendgridEventJson, SentMessage } from './mailbox';
export {
  DEFAULT_BATCH_WINDOW_MS,
  DEFAULT_RETRY_DELAYS_MS,
  SIGNATURE_HEADER,
  SendgridWebhookHub,
  signEventBatch,
  TIMESTAMP_HEADER,
  type WebhookAttempt,
  type WebhookDeliveryRecord,
} from './webhooks';

export interface SendgridSandboxOptions {
  /** TCP port; 0 (the default) picks a free one. */
  port?: number;
  /** Interface to bind; default `127.0.0.1`. */
  host?: string;
  /** The batch window of the Event Webhook; default 500 ms. */
  batchWindowMs?: number;
  /** Gaps before each webhook retry; default 1, 1, 2 and 4 s (attempts at 0, 1, 2, 4 and 8 s). */
  retryDelaysMs?: readonly number[];
  /**
   * A gateway's public URL: each account's webhook URL starts as `<webhookBaseUrl>/webhooks/sendgrid/<practiceId>`.
   * Default: none (events are kept, not posted, until `PUT /_sandbox/webhook-url`).
   */
  webhookBaseUrl?: string;
  /** Fault rules active from the start. */
  faults?: FaultRule[];
  /** The clock of timestamps and `X-RateLimit-Reset`; default `Date.now`. */
  now?: () => number;
}

export interface SendgridSandbox {
  /** e.g. `http://127.0.0.1:40123`: the API and the controls. */
  url: string;
  accounts: typeof SENDGRID_SANDBOX_ACCOUNTS;
  /** Every `/v3/…` request, oldest first (controls are not logged). */
  requests: RecordedRequest[];
  /** The sent log: every accepted message, with its outcome and events. */
  messages: SentMessage[];
  faults: FaultInjector;
  /** `/_sandbox/faults`' JSON form. */
  addFault(json: FaultJson): string;
  webhooks: SendgridWebhookHub;
  /** `PUT /_sandbox/webhook-url`: one account's (by API key) or every account's. */
  setWebhookUrl(url: string, apiKey?: string): void;
  reset(): void;
  close(): Promise<void>;
}

export async function startSendgridSandbox(options: SendgridSandboxOptions = {}): Promise<SendgridSandbox> {
  const now = options.now ?? Date.now;
  const mailbox = new Mailbox(now);
  const webhooks = new SendgridWebhookHub({ retryDelaysMs: options.retryDelaysMs, batchWindowMs: options.batchWindowMs, now });
  mailbox.onEvent((account, event) => webhooks.push(account, event));
  const faults = new FaultInjector();
  for (const rule of options.faults ?? []) faults.add(rule);
  const parts: SandboxParts = { mailbox, webhooks, faults, faultExtras: new Map(), log: [], now };
  const setWebhookUrl = (url: string, apiKey?: string) => {
    const accounts = apiKey === undefined ? Object.values(SENDGRID_SANDBOX_ACCOUNTS) : [accountForKey(apiKey)];
    for (const account of accounts) {
      if (!account) throw new Error('expected the API key of a seeded SendGrid sandbox account');
      webhooks.setUrl(account.practiceId, url);
    }
  };
  if (options.webhookBaseUrl) {
    const base = options.webhookBaseUrl.replace(/\/+$/, '');
    for (const account of Object.values(SENDGRID_SANDBOX_ACCOUNTS)) {
      webhooks.setUrl(account.practiceId, `${base}/webhooks/sendgrid/${account.practiceId}`);
    }
  }
  const server = createSendgridServer(parts);
  const address: AddressInfo = await listen(server, options.port ?? 0, options.host ?? '127.0.0.1');
  return {
    url: addressUrl(address),
    accounts: SENDGRID_SANDBOX_ACCOUNTS,
    requests: parts.log,
    messages: mailbox.sent,
    faults,
    addFault: (json) => addFault(parts, json),
    webhooks,
    setWebhookUrl,
    reset: () => resetAll(parts),
    close: async () => {
      webhooks.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
