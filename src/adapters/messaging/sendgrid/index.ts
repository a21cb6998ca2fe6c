/** The SendGrid email adapter (Mail Send v3 and the signed Event Webhook; SDKs `@sendgrid/mail` 8.1.6, `@sendgrid/eventwebhook` 8.0.0). */
import { defineMessagingSystem } from '../../system';
import { createSendgridAdapter } from './adapter';
import { sendgridConnectionSchema } from './connection';
import { sendgridRateLimits } from './rate-limits';

export { createSendgridAdapter, sendgridCapabilities } from './adapter';
export { MAIL_SEND_ENDPOINT } from './client';
export { sendgridConnectionSchema, type SendgridConnection } from './connection';
export { toMessagingEvent, toMessagingEvents } from './events';
export { CUSTOM_ARGS, REMINDER_CATEGORY, type ReminderTemplateData, templateData } from './mail';
export { SENDGRID_MAX_CONCURRENT_SENDS, sendgridRateLimits } from './rate-limits';
export { SIGNATURE_HEADER, TIMESTAMP_HEADER } from './webhooks';

/** SendGrid as a registered messaging provider for the `EMAIL` channel (`registry.ts`). */
export const sendgridSystem = defineMessagingSystem({
  system: 'sendgrid',
  channel: 'EMAIL',
  connection: sendgridConnectionSchema,
  createAdapter: (connection, options) => createSendgridAdapter(connection, options),
  rateLimits: sendgridRateLimits,
  sandbox: { start: async (options) => (await import('../../../sandbox/sendgrid/mode')).startSandboxMode(options) },
});
