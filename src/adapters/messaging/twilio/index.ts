/** The Twilio SMS adapter (Programmable Messaging, API 2010-04-01, SDK `twilio` 6.3.1). */
import { defineMessagingSystem } from '../../system';
import { createTwilioAdapter } from './adapter';
import { twilioConnectionSchema } from './connection';
import { twilioRateLimits } from './rate-limits';

export { createTwilioAdapter, statusCallbackFor, twilioCapabilities } from './adapter';
export { createBaseUrlRequestClient, createTwilioClient, endpointTemplate } from './client';
export { twilioConnectionSchema, type TwilioConnection } from './connection';
export { ERROR_MEANINGS, keywordOf, OPT_IN_KEYWORDS, OPT_OUT_KEYWORDS, reminderStatusOf } from './mapping';
export { TWILIO_MAX_CONCURRENT_CREATES, twilioRateLimits } from './rate-limits';
export { formParams, signTwilioRequest, verifyTwilioWebhook } from './webhooks';

/** Twilio as a registered SMS provider (`registry.ts`). */
export const twilioSystem = defineMessagingSystem({
  system: 'twilio',
  channel: 'SMS',
  connection: twilioConnectionSchema,
  createAdapter: (connection, options) => createTwilioAdapter(connection, options),
  rateLimits: twilioRateLimits,
  sandbox: { start: async (options) => (await import('../../../sandbox/twilio/mode')).startSandboxMode(options) },
});
