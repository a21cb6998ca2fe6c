/**
 * The `connection` of a practice's Twilio account in the gateway's config (`messaging.sms.connection`):
 * the account, the credential the REST calls use, the Auth Token webhooks are signed with, and one
 * sender (a Messaging Service, preferred, or a `From` number).
 */
import { z } from 'zod';
import { httpUrl, nonEmpty } from '../../connection-fields';

/** A Twilio SID: two capital letters of its kind and 32 hex digits. */
const sid = (prefix: string) =>
  z.string().regex(new RegExp(`^${prefix}[0-9a-fA-F]{32}$`), `expected a Twilio ${prefix}… SID (${prefix} + 32 hex digits)`);

/** An E.164 number, `+` and 2 to 15 digits, the first not 0. */
export const e164 = z.string().regex(/^\+[1-9]\d{1,14}$/, 'expected an E.164 phone number (+ and up to 15 digits)');

export const twilioConnectionSchema = z
  .strictObject({
    /**
     * `https://api.twilio.com` in production, a simulator's URL otherwise. Only its protocol, host and
     * port are used: the SDK builds `/2010-04-01/Accounts/{AccountSid}/…` from the root.
     */
    baseUrl: httpUrl.refine((url) => {
      const path = new URL(url).pathname;
      return path === '' || path === '/';
    }, 'expected a base URL without a path (the Twilio SDK always calls /2010-04-01/… from the root)'),
    /** `AC…`: in every path, and the user name of Basic auth unless an API key is given. */
    accountSid: sid('AC'),
    /** The account's Auth Token: Basic auth's password (unless an API key is given) and always the webhook signing key. */
    authToken: nonEmpty,
    /** `MG…`: the Messaging Service that sends (preferred). Exactly one of it and `from`. */
    messagingServiceSid: sid('MG').optional(),
    /** An E.164 sender number, when the practice has no Messaging Service. */
    from: e164.optional(),
    /** `SK…`: an API key to call the REST API with instead of the Auth Token (with `apiKeySecret`). */
    apiKeySid: sid('SK').optional(),
    apiKeySecret: nonEmpty.optional(),
  })
  .refine((c) => (c.messagingServiceSid === undefined) !== (c.from === undefined), {
    message: 'expected exactly one sender: messagingServiceSid (preferred) or from',
    path: ['messagingServiceSid'],
  })
  .refine((c) => (c.apiKeySid === undefined) === (c.apiKeySecret === undefined), {
    message: 'expected apiKeySid and apiKeySecret together, or neither',
    path: ['apiKeySid'],
  });

export type TwilioConnection = z.output<typeof twilioConnectionSchema>;
