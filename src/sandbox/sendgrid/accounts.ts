/**
 * What the SendGrid simulator knows from the start: the seeded accounts (API key → verified sender),
 * the one dynamic template, the one unsubscribe group, and the Event Webhook key pair. All of it is
 * fixed by the wire format's sandbox decisions, so every simulator signs and answers alike.
 */

export interface SendgridAccount {
  /** The practice the account belongs to in sandbox mode (and in its webhook URL). */
  practiceId: string;
  name: string;
  apiKey: string;
  /** The one verified Sender Identity; any other `from.email` → 403. */
  sender: string;
}

export const SENDGRID_SANDBOX_ACCOUNTS = {
  smileDental: {
    practiceId: 'smile-dental',
    name: 'Smile Dental',
    apiKey: 'SG.sandbox_smile_dental.0000000000000000000000000000000000000000001',
    sender: 'billing@smile-dental.test',
  },
  northside: {
    practiceId: 'northside',
    name: 'Northside',
    apiKey: 'SG.sandbox_northside.0000000000000000000000000000000000000000002',
    sender: 'billing@northside.test',
  },
} as const satisfies Record<string, SendgridAccount>;

/** The "Balance reminder" dynamic template, the only one; any other `template_id` → 400. */
export const SANDBOX_TEMPLATE_ID = 'd-00000000000000000000000000000001';
/** The "Billing reminders" unsubscribe group, the only one; any other `asm.group_id` → 400. */
export const SANDBOX_ASM_GROUP_ID = 101;

/** The Event Webhook's signing key (test-only): PKCS#8 DER, base64. */
export const EVENT_WEBHOOK_PRIVATE_KEY =
  'MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgd/pUEF/iXDHFUrinubqCJ2/Lufey+cs1mwaXIqZSzByhRANCAARvlzAV7BOgFdzjFFSNBROuxKmeCnD+VW+6KcbO0jAwuQFE26ofje31ocG2UUQyWX70cLwj79xorYV9g1Joi4K7';
/** Its verification key, as SendGrid shows it: SubjectPublicKeyInfo DER, base64, no PEM framing. */
export const EVENT_WEBHOOK_PUBLIC_KEY =
  'MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEb5cwFewToBXc4xRUjQUTrsSpngpw/lVvuinGztIwMLkBRNuqH43t9aHBtlFEMll+9HC8I+/caK2FfYNSaIuCuw==';

export function accountForKey(apiKey: string | null): SendgridAccount | null {
  return Object.values(SENDGRID_SANDBOX_ACCOUNTS).find((a) => a.apiKey === apiKey) ?? null;
}
