/**
 * The SendGrid email adapter (`../port.ts`): balance reminders through Mail Send v3 with the
 * practice's dynamic template (`mail.ts`), answers in the port's words (`outcome.ts`), and the
 * signed Event Webhook (`webhooks.ts`, `events.ts`). SendGrid can neither look up one message nor
 * list what was sent through the API the gateway uses, so `getMessage` and `findSent` are absent
 * (`statusLookup` and `sentListing` false): a send whose answer was lost is settled by the first
 * event carrying its `lg_reminder_id`, or fails after an hour.
 *
 *     const email = createSendgridAdapter(connection, { timeoutMs: 10_000 });
 *     const outcome = await email.send({ channel: 'EMAIL', reminderId: 'rem_81', to: 'pat@example.com', toName: null, … });
 */
import { retry } from '../../http';
import type { AdapterOptions } from '../../system';
import type { EmailMessage, MessagingAdapter, MessagingCapabilities, SendOutcome } from '../port';
import { createSendgridMailClient } from './client';
import type { SendgridConnection } from './connection';
import { toMessagingEvents } from './events';
import { mailRequest } from './mail';
import { sendStep } from './outcome';
import { createEventBatchVerifier } from './webhooks';

export const sendgridCapabilities: MessagingCapabilities = {
  deliveryReceipts: true,
  inboundOptOut: true,
  templates: true,
  statusCallbackPerMessage: false,
  statusLookup: false,
  sentListing: false,
  maxTextLength: null,
};

/** Retries of a send that surely sent nothing (no connection, 429), after the first attempt. */
const DEFAULT_SEND_RETRIES = 2;
const DEFAULT_RETRY_BASE_MS = 250;

export function createSendgridAdapter(connection: SendgridConnection, options: AdapterOptions = {}): MessagingAdapter<'EMAIL'> {
  const client = createSendgridMailClient(connection, options);
  const verify = createEventBatchVerifier(connection.eventWebhookPublicKey);

  return {
    system: 'sendgrid',
    channel: 'EMAIL',
    capabilities: sendgridCapabilities,

    async connect() {
      // Mail Send is the one endpoint the gateway uses, and it cannot be tried without sending: the
      // connection schema has checked the key's and template's shapes, and the first send proves
      // the key (401) and the sender (403) as an UPSTREAM_REJECTED error, before anything is sent.
    },

    async send(message: EmailMessage): Promise<SendOutcome> {
      if (message.channel !== 'EMAIL') {
        throw new TypeError(`expected an EMAIL message for SendGrid, got ${String((message as { channel?: unknown }).channel)}`);
      }
      return retry(
        // A fresh request per attempt: the SDK writes into the object it is given.
        async (attempt) => sendStep(await client.send(mailRequest(message, connection), attempt)),
        {
          maxRetries: options.maxRetries ?? DEFAULT_SEND_RETRIES,
          baseDelayMs: options.retryBaseDelayMs ?? DEFAULT_RETRY_BASE_MS,
          mayRetry: options.upstreamBudget ? () => options.upstreamBudget?.mayRetry() ?? true : undefined,
        },
      );
    },

    verifyWebhook(delivery) {
      return toMessagingEvents(verify(delivery), connection.asmGroupId);
    },

    async close() {
      // Nothing to release: the SDK's axios opens no pool that outlives a request.
    },
  };
}
