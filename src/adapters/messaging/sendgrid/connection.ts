/** The `connection` of a practice's SendGrid account in the gateway's config (`messaging.email.connection`). */
import { createPublicKey } from 'node:crypto';
import { z } from 'zod';
import { httpUrl, nonEmpty } from '../../connection-fields';

/** A dynamic template id: `d-` and 32 hex digits (legacy templates have no `d-` and take no template data). */
const TEMPLATE_ID = /^d-[0-9a-f]{32}$/i;

/** True when `text` is a base64 DER SubjectPublicKeyInfo of a P-256 key (SendGrid's verification key). */
function isP256PublicKey(text: string): boolean {
  try {
    const key = createPublicKey({ key: Buffer.from(text, 'base64'), format: 'der', type: 'spki' });
    return key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1';
  } catch {
    return false;
  }
}

export const sendgridConnectionSchema = z.strictObject({
  /**
   * `https://api.sendgrid.com` in production (`https://api.eu.sendgrid.com` for EU data residency),
   * a simulator's URL otherwise. The SDK calls `/v3/mail/send` under it, a path prefix included.
   */
  baseUrl: httpUrl,
  /** The API key (`SG.…`, with the `mail.send` scope), sent as `Authorization: Bearer`. */
  apiKey: nonEmpty,
  /** The verified Sender Identity every reminder is sent from. */
  fromEmail: z.email({ error: 'expected an email address (a verified SendGrid sender)' }),
  /** The sender's display name, e.g. the practice's name. */
  fromName: nonEmpty,
  /** The dynamic template of the balance reminder (`d-` + 32 hex), whose keys the README here lists. */
  templateId: z.string().regex(TEMPLATE_ID, 'expected a dynamic template id: "d-" and 32 hex digits'),
  /** The unsubscribe group (ASM) reminders are sent in: its unsubscribe link opts out of reminders only. */
  asmGroupId: z.number({ error: 'expected the unsubscribe group id as a whole number' }).int().positive(),
  /**
   * The Event Webhook's verification key: base64 DER of a P-256 public key, without PEM framing
   * (it starts `MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE`). Checked here, so a bad key fails at startup
   * rather than refusing every event.
   */
  eventWebhookPublicKey: z
    .string()
    .trim()
    .refine(isP256PublicKey, 'expected a base64 DER P-256 public key (MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE…)'),
});

export type SendgridConnection = z.output<typeof sendgridConnectionSchema>;
