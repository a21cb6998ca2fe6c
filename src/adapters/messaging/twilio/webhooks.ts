/**
 * Twilio webhooks: status callbacks (`MessageStatus` present) and inbound replies (STOP, START,
 * HELP, anything else), both form-encoded and signed the same way:
 *
 *     X-Twilio-Signature = base64(HMAC-SHA1(AuthToken, fullUrl + Σ sorted(name + value)))
 *
 * where `fullUrl` is the exact URL Twilio called (the gateway's `publicUrl` + path + query, with the
 * status callback's `?r=<reminderId>`). Verified with the SDK's `validateRequest` (constant-time,
 * `crypto.timingSafeEqual`; it also tries the URL with and without the default port). A delivery
 * signed with `HMAC_SHA256` (a SharedKey, `X-Twilio-Webhooks-Signature-Settings`) is refused: the
 * connection holds no SharedKey. Callbacks carry no event id and no timestamp, so a delivery's key is
 * `<MessageSid>:<MessageStatus>` (a reply: its `MessageSid`), and `occurredAt` is `null`.
 */
import type { z } from 'zod';
import { WebhookRejected } from '../../ledger/port';
import type { WebhookDelivery } from '../../system';
import type { MessagingEvent } from '../port';
import { failureOf, keywordOf, type KeywordKind, reminderStatusOf } from './mapping';
import { inboundSchema, statusCallbackSchema } from './schemas';
import { twilioSdkNow } from './sdk';

/** The form's parameters as the signature reads them: a repeated name keeps all its values. */
export type FormParams = Record<string, string | string[]>;

export function formParams(rawBody: Buffer): FormParams {
  const params: FormParams = {};
  for (const [name, value] of new URLSearchParams(rawBody.toString('utf8'))) {
    const existing = params[name];
    if (existing === undefined) params[name] = value;
    else params[name] = Array.isArray(existing) ? [...existing, value] : [existing, value];
  }
  return params;
}

/** `X-Twilio-Signature` for a request to `url` with `params`, as Twilio computes it (tests, tools). */
export function signTwilioRequest(authToken: string, url: string, params: FormParams): string {
  return twilioSdkNow().getExpectedTwilioSignature(authToken, url, params);
}

function header(delivery: WebhookDelivery, name: string): string | undefined {
  const value = delivery.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** Throws `WebhookRejected` 401 unless `X-Twilio-Signature` is the Auth Token's over this URL and form. */
export function checkSignature(delivery: WebhookDelivery, authToken: string, params: FormParams): void {
  const signature = header(delivery, 'x-twilio-signature');
  if (!signature) throw new WebhookRejected('missing X-Twilio-Signature header', 401);
  // Synchronous like the port's `verifyWebhook`: the first delivery loads the SDK if no call has (`sdk.ts`).
  const twilio = twilioSdkNow();
  const algorithm = twilio.getSignatureAlgorithm(header(delivery, 'x-twilio-webhooks-signature-settings') ?? '');
  if (algorithm.toUpperCase() !== twilio.HMAC_SHA1) {
    throw new WebhookRejected(
      `expected an Auth Token signature (HMAC_SHA1), got ${algorithm}: the connection holds no SharedKey`,
      401,
    );
  }
  if (!twilio.validateRequest(authToken, signature, delivery.url, params)) {
    throw new WebhookRejected('X-Twilio-Signature does not match the Auth Token, URL and parameters', 401);
  }
}

function parse<T extends z.ZodType>(schema: T, params: FormParams, what: string): z.output<T> {
  // A repeated name is never one of the fields read; its last value stands for it here.
  const single = Object.fromEntries(Object.entries(params).map(([k, v]) => [k, Array.isArray(v) ? v.at(-1) : v]));
  const parsed = schema.safeParse(single);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(form)'}: ${i.message}`).join('; ');
    throw new WebhookRejected(`malformed Twilio ${what}: ${issues}`, 400);
  }
  return parsed.data;
}

/** The status callback's `?r=`: the reminder id the adapter put in the `StatusCallback` URL. */
function reminderIdOf(url: string): string | null {
  try {
    return new URL(url).searchParams.get('r') || null;
  } catch {
    return null;
  }
}

export interface TwilioWebhookKeys {
  accountSid: string;
  authToken: string;
}

/** Verify one delivery and parse it into the port's events (one per delivery). No I/O. */
export function verifyTwilioWebhook(delivery: WebhookDelivery, keys: TwilioWebhookKeys): MessagingEvent[] {
  const params = formParams(delivery.rawBody);
  checkSignature(delivery, keys.authToken, params);
  const isCallback = params.MessageStatus !== undefined;
  const accountSid = params.AccountSid;
  if (accountSid !== undefined && accountSid !== keys.accountSid) {
    throw new WebhookRejected(`expected AccountSid ${keys.accountSid}, got another account's delivery`, 400);
  }
  return [isCallback ? statusEvent(delivery, params) : inboundEvent(params)];
}

function statusEvent(delivery: WebhookDelivery, params: FormParams): MessagingEvent {
  const form = parse(statusCallbackSchema, params, 'status callback');
  const eventId = `${form.MessageSid}:${form.MessageStatus}`;
  const status = reminderStatusOf(form.MessageStatus);
  if (status === null) {
    return {
      eventId,
      occurredAt: null,
      type: 'IGNORED',
      reason: `message status "${form.MessageStatus}" says nothing about a reminder`,
    };
  }
  const failure = status === 'FAILED' ? failureOf(form.MessageStatus, form.ErrorCode) : null;
  return {
    eventId,
    occurredAt: null,
    type: 'STATUS',
    reminderId: reminderIdOf(delivery.url),
    providerMessageId: form.MessageSid,
    status: failure?.status ?? status,
    failureReason: failure?.reason ?? null,
    errorCode: failure ? form.ErrorCode : null,
    recipient: failure?.recipient ?? null,
  };
}

function inboundEvent(params: FormParams): MessagingEvent {
  const form = parse(inboundSchema, params, 'inbound message');
  const base = { eventId: form.MessageSid, occurredAt: null };
  // Twilio's own verdict when it sends one (Advanced Opt-Out), else its keyword rules applied here.
  const declared = form.OptOutType?.trim().toUpperCase();
  const kind: KeywordKind | null =
    declared === 'STOP' || declared === 'START' || declared === 'HELP' ? declared : keywordOf(form.Body);
  if (kind === 'STOP') return { ...base, type: 'OPT_OUT', recipient: form.From, reminderId: null };
  if (kind === 'START') return { ...base, type: 'OPT_IN', recipient: form.From, reminderId: null };
  return {
    ...base,
    type: 'IGNORED',
    reason: kind === 'HELP' ? 'HELP keyword (Twilio answers it)' : 'inbound message without a keyword',
  };
}
