/**
 * The port every messaging adapter implements (Twilio for SMS, SendGrid for email): the kind of
 * system that tells a patient she has a balance and where to pay it, reports whether the message
 * arrived, and reports opt-outs.
 *
 * One adapter serves one channel (`SMS` or `EMAIL`, the descriptor's `channel`), with one `send`
 * whose message type is that channel's. Every status is in the port's words, the GraphQL enum
 * `ReminderStatus`:
 * - `QUEUED`: not yet known to be handed over: waiting (quiet hours), accepted by the provider but
 *   not yet sent on (Twilio `accepted`/`queued`/`sending`; SendGrid's 202), or a send whose answer
 *   was lost (`UNKNOWN` below) until a listing or an event settles it.
 * - `SENT`: handed to the carrier / mail system (Twilio `sent`; SendGrid `processed`). May stay the
 *   last state: some carriers never confirm.
 * - `DELIVERED`: the carrier or receiving server confirmed it (Twilio `delivered`/`read`; SendGrid `delivered`).
 * - `FAILED`: it will not arrive (Twilio `undelivered`/`failed`/`canceled` and refused sends;
 *   SendGrid `bounce`, and `dropped` for any reason but a suppression).
 * - `SUPPRESSED`: not sent because the recipient opted out or is on the provider's suppression list
 *   (SendGrid `dropped` for a suppression; Twilio's refusal 21610 after a `STOP`). The gateway also
 *   answers `SUPPRESSED` itself, without calling the adapter, for a recipient it knows opted out.
 * A status never moves backwards: `QUEUED < SENT < DELIVERED`, and `DELIVERED`, `FAILED`,
 * `SUPPRESSED` are final. Events arrive unordered; the flow applies that precedence, not arrival order.
 *
 * Idempotency. Neither provider has an idempotency key, so a retried send can deliver twice. The
 * port therefore (1) carries the gateway's own reminder id into every send, where the provider
 * echoes it back (Twilio: the `StatusCallback` URL's `?r=`; SendGrid: the custom arg
 * `lg_reminder_id`), and (2) never retries a send that may have reached the provider: `send`
 * answers `UNKNOWN`, the reminder stays `QUEUED`, and the flow settles it from events or from
 * `findSent` — never by sending again. The store allows one send per reminder id.
 *
 * Errors. `send` throws `UpstreamError` only when nothing was sent (connection refused before any
 * byte, a 429, bad credentials, an unverified sender, an unknown template): retrying is then safe.
 * A refusal about this recipient (invalid number, opted out) is an answer, `REFUSED`, not an error.
 *
 * Usage (from the reminder job, never from a resolver):
 *
 *     const outcome = await sms.send({
 *       channel: 'SMS', reminderId: 'rem_81', practiceId: 'smile-dental', patientSourceId: '42',
 *       to: '+15551234567', text: 'Smile Dental: your balance is $125.00. Pay at https://gw.example/pay/Zt…',
 *       content: { practiceName: 'Smile Dental', patientFirstName: null, amount: 12_500,
 *                  payUrl: 'https://gw.example/pay/Zt…', dueDate: null },
 *       statusCallbackUrl: 'https://gw.example/webhooks/twilio/smile-dental?r=rem_81',
 *     });
 *     if (outcome.state === 'ACCEPTED') store(outcome.providerMessageId, outcome.status);
 *
 * Upstream-touching methods are listed in {@link MESSAGING_METHODS} for decorators (circuit
 * breaker, tracing, upstream budget); `verifyWebhook` (no I/O) and `close` are not.
 */
import type { Cents, IsoDate } from '../ledger/port';
import type { UpstreamMethods, WebhookDelivery } from '../system';

export type { Cents, IsoDate } from '../ledger/port';

/** The channels; the GraphQL enum `Channel` mirrors it. */
export type Channel = 'SMS' | 'EMAIL';

/** A reminder's delivery status; the GraphQL enum `ReminderStatus` mirrors it (see the header). */
export type ReminderStatus = 'QUEUED' | 'SENT' | 'DELIVERED' | 'FAILED' | 'SUPPRESSED';

/**
 * What a provider's answer says about the recipient herself, for the gateway's own flags per
 * (practice, phone) and (practice, email): `OPTED_OUT` (SMS `STOP`, Twilio 21610, an email
 * unsubscribe or spam report: no more sends until she opts in), `INVALID` (a number that is not a
 * reachable mobile — Twilio 21211, 21614, 30006 — or an address that hard-bounced).
 */
export type RecipientFlag = 'OPTED_OUT' | 'INVALID';

/**
 * How the webhook route answers a delivery this port's `verifyWebhook` refused. Adapters throw
 * `WebhookRejected` with 401 for a bad or missing signature and 400 for a malformed body, as every
 * port does; Twilio's and SendGrid's documentation ask for 403 on a bad signature, so the route
 * answers a signature failure of this kind with 403 (and stores nothing).
 */
export const MESSAGING_WEBHOOK_REJECTION = { signature: 403, body: 400 } as const;

// ---------------------------------------------------------------------------------------------
// Capabilities
// ---------------------------------------------------------------------------------------------

/** What a messaging provider can do, as data: the flows decide with these, never with the provider's name. */
export interface MessagingCapabilities {
  /** The provider reports delivery (`DELIVERED`) by webhook. Twilio (status callbacks), SendGrid (Event Webhook): true. */
  deliveryReceipts: boolean;
  /**
   * The provider reports a recipient's opt-out (and opt-in) by webhook: Twilio an inbound `STOP` /
   * `START` reply, SendGrid `unsubscribe`, `group_unsubscribe`, `spamreport` / `group_resubscribe`.
   * Both true.
   */
  inboundOptOut: boolean;
  /**
   * The provider renders the message from its own template with `content` (SendGrid dynamic
   * templates). When false (Twilio) the provider sends `text` as the gateway rendered it.
   */
  templates: boolean;
  /**
   * The provider takes a status callback URL per message (`statusCallbackUrl`; Twilio). When false
   * (SendGrid) its webhook URL is account-wide, set in the provider's settings.
   */
  statusCallbackPerMessage: boolean;
  /** One sent message's status can be read (`getMessage`; Twilio). The fallback when no final event arrives. */
  statusLookup: boolean;
  /**
   * A send whose answer was lost can be looked for upstream (`findSent`; Twilio lists messages by
   * recipient and date). When false (SendGrid) only an event can settle it: none within an hour
   * means `FAILED` (`unknown`).
   */
  sentListing: boolean;
  /** The longest `text` the provider sends, in characters (Twilio: 1600); `null` when `text` is not what is sent. */
  maxTextLength: number | null;
}

// ---------------------------------------------------------------------------------------------
// Messages
// ---------------------------------------------------------------------------------------------

/**
 * What a balance reminder says, structured, for providers that render their own template
 * (`capabilities.templates`). Messages carry no PHI beyond the practice's name, the amount and the
 * link (least disclosure).
 */
export interface ReminderContent {
  practiceName: string;
  /**
   * The patient's first name, for a template's greeting (the reminder template's contract names
   * `patient_first_name`). A reminder carries no PHI beyond the practice's name, the amount and the
   * link, so the gateway sends `null` and templates must read well without it.
   */
  patientFirstName: string | null;
  /** The amount due, in cents (positive); the adapter formats it (`"125.00"`). */
  amount: Cents;
  /** The gateway's patient page, `<publicUrl>/pay/<token>`. */
  payUrl: string;
  /** When the practice asks to be paid by; `null` for no date. */
  dueDate: IsoDate | null;
}

/** What every message carries, whatever its channel. */
interface MessageBase {
  /**
   * The gateway's reminder id: one send per id, ever. Echoed back by the provider (Twilio: the
   * `?r=` of `statusCallbackUrl`; SendGrid: custom arg `lg_reminder_id`) so events find their reminder.
   */
  reminderId: string;
  /** The config's practice id; sent as a custom arg where the provider takes them (SendGrid). */
  practiceId: string;
  /** The patient's id in the ledger system; sent as a custom arg where the provider takes them. */
  patientSourceId: string;
  /**
   * The message as plain text, rendered by the gateway: what is sent where the provider has no
   * template (Twilio `Body`, at most `capabilities.maxTextLength`), and the record of what was said
   * elsewhere. `findSent` matches on it.
   */
  text: string;
  /** The same message, structured, for template providers. */
  content: ReminderContent;
  /**
   * Where the provider reports this message's status when it takes a URL per message
   * (`capabilities.statusCallbackPerMessage`): `{publicUrl}/webhooks/<system>/<practiceId>?r=<reminderId>`.
   * Ignored by providers whose webhook URL is account-wide.
   */
  statusCallbackUrl: string;
}

/** A text message. */
export interface SmsMessage extends MessageBase {
  channel: 'SMS';
  /** The recipient's mobile number in E.164 (`+15551234567`); the gateway normalises US numbers to `+1…` first. */
  to: string;
}

/** An email. */
export interface EmailMessage extends MessageBase {
  channel: 'EMAIL';
  /** The recipient's address, as the ledger system has it. */
  to: string;
  /** The recipient's display name; `null` for the bare address (the default: no PHI). */
  toName: string | null;
}

export type OutgoingMessage = SmsMessage | EmailMessage;

/** Each channel's message type. */
export interface MessageByChannel {
  SMS: SmsMessage;
  EMAIL: EmailMessage;
}

/**
 * The message type of one channel. An indexed access rather than `Extract<…>`: a conditional type
 * would make `MessagingAdapter<C>` invariant in `C`, and an SMS adapter would no longer be a
 * `MessagingAdapter` of any channel.
 */
export type MessageFor<C extends Channel> = MessageByChannel[C];

/**
 * The provider's answer to a send:
 * - `ACCEPTED`: it took the message (`status` `QUEUED`, or `SENT` where the answer says so).
 * - `REFUSED`: it refused this recipient synchronously, nothing was sent: `FAILED`, or `SUPPRESSED`
 *   for an opted-out recipient (Twilio 21610).
 * - `UNKNOWN`: the request may have reached the provider but no answer came (timeout, 5xx, reset).
 *   The reminder stays `QUEUED`; never send it again (see the header).
 */
export type SendOutcome =
  | {
      state: 'ACCEPTED';
      /** The provider's message id (Twilio `SM…`; SendGrid `X-Message-Id`): opaque, compared whole. */
      providerMessageId: string;
      status: 'QUEUED' | 'SENT';
      /** When the provider accepted it (ISO 8601). */
      acceptedAt: string;
    }
  | {
      state: 'REFUSED';
      status: 'FAILED' | 'SUPPRESSED';
      /** Why, for staff (`failureReason`): e.g. `unsubscribed`, `invalid number`. */
      reason: string;
      /** The provider's error code as a string (`"21610"`); `null` when it gives none. */
      errorCode: string | null;
      /** What the refusal says about the recipient; `null` when it says nothing about her. */
      recipient: RecipientFlag | null;
    }
  | {
      state: 'UNKNOWN';
      /** What went wrong (`timeout after 10000 ms`, `HTTP 503`). */
      reason: string;
    };

/** One sent message as the provider reports it now (`getMessage`, `findSent`). */
export interface MessageStatusRecord {
  /** The provider's message id. */
  providerMessageId: string;
  /** The reminder id where the provider reports it back; `null` where this read does not carry it (a Twilio message read). */
  reminderId: string | null;
  status: ReminderStatus;
  /** When it was handed to the carrier (ISO 8601); `null` before `SENT`. */
  sentAt: string | null;
  /** Why it failed, when `FAILED` or `SUPPRESSED`; otherwise `null`. */
  failureReason: string | null;
  /** The provider's error code as a string (`"30003"`); `null` when none. */
  errorCode: string | null;
  /** What the status says about the recipient; `null` when nothing. */
  recipient: RecipientFlag | null;
}

// ---------------------------------------------------------------------------------------------
// Webhooks
// ---------------------------------------------------------------------------------------------

/** What every messaging event carries. */
interface MessagingEventBase {
  /**
   * The key deliveries are deduped on: SendGrid `sg_event_id`; Twilio (no event ids, no
   * timestamps) `<MessageSid>:<MessageStatus>` for a status callback and the inbound `MessageSid`
   * for a reply. A redelivery carries the same key.
   */
  eventId: string;
  /** When it happened (ISO 8601); `null` where the provider does not say (Twilio callbacks). */
  occurredAt: string | null;
}

/**
 * One verified event:
 * - `STATUS`: a sent message's status changed (SendGrid `deferred` is `IGNORED`).
 * - `OPT_OUT` / `OPT_IN`: the recipient opted out (SMS `STOP`…, email unsubscribe, group unsubscribe,
 *   spam report) or back in (`START`…, group resubscribe). For email the opt-out covers that address
 *   across the practice; for SMS, that number.
 * - `ENGAGEMENT`: opened or clicked: recorded only (opens are unreliable).
 * - `IGNORED`: verified but of no use (an inbound text that is no keyword, `HELP`, an unknown event).
 */
export type MessagingEvent = MessagingEventBase &
  (
    | {
        type: 'STATUS';
        /** The reminder it is about, as echoed by the provider; `null` when it is missing (then match on `providerMessageId`). */
        reminderId: string | null;
        /** The provider's message id (SendGrid: `sg_message_id` up to its first `.`, which equals `X-Message-Id`). */
        providerMessageId: string | null;
        status: ReminderStatus;
        /** Why, when `FAILED` or `SUPPRESSED` (bounce reason, drop reason, carrier error); otherwise `null`. */
        failureReason: string | null;
        /** The provider's error code as a string (`"30003"`, SMTP `"5.1.1"`); `null` when none. */
        errorCode: string | null;
        recipient: RecipientFlag | null;
      }
    | {
        type: 'OPT_OUT' | 'OPT_IN';
        /** The recipient: E.164 number for SMS, address for email. */
        recipient: string;
        /** The reminder whose message she answered or unsubscribed from, when known; `null` otherwise. */
        reminderId: string | null;
      }
    | {
        type: 'ENGAGEMENT';
        action: 'OPENED' | 'CLICKED';
        reminderId: string | null;
        providerMessageId: string | null;
        /** The link clicked (`CLICKED`); `null` for an open. */
        url: string | null;
      }
    | { type: 'IGNORED'; reason: string }
  );

// ---------------------------------------------------------------------------------------------
// The port
// ---------------------------------------------------------------------------------------------

export interface MessagingAdapter<C extends Channel = Channel> {
  /** The system's config word (`twilio`, `sendgrid`). */
  readonly system: string;
  /** The one channel this adapter sends on. */
  readonly channel: C;
  readonly capabilities: MessagingCapabilities;

  /** Authenticate / try the connection once. Rejects with an `UpstreamError` when it cannot. */
  connect(): Promise<void>;

  /**
   * Send one message to one recipient, once. Never retried by the adapter after the request may
   * have reached the provider (see `SendOutcome`). Throws `UpstreamError` only when nothing was sent.
   */
  send(message: MessageFor<C>): Promise<SendOutcome>;

  /**
   * One sent message's status now (where `capabilities.statusLookup`): the gateway reads it once
   * when no final event arrived 15 minutes after sending.
   */
  getMessage?(providerMessageId: string): Promise<MessageStatusRecord>;

  /**
   * Look for a message whose send answered `UNKNOWN` (where `capabilities.sentListing`): the
   * provider's record of `message` sent to its recipient since `since` (ISO 8601; the send time
   * minus 5 minutes), matched on its text. `null` when none is found yet: the flow looks again
   * later, then marks it `FAILED` (`unknown`); it never sends again.
   */
  findSent?(message: MessageFor<C>, since: string): Promise<MessageStatusRecord | null>;

  /**
   * Verify one delivery's signature and parse it into events (SendGrid batches many events in one
   * delivery; Twilio sends one). Twilio signs `delivery.url` plus the sorted form parameters with
   * the account's auth token; SendGrid signs timestamp + raw body with its ECDSA key; both keys come
   * from the connection (`delivery.secret` is `null`). Throws `WebhookRejected` (401: signature;
   * 400: malformed body). No I/O.
   */
  verifyWebhook(delivery: WebhookDelivery): MessagingEvent[];

  close(): Promise<void>;
}

/** The methods that touch the upstream, by shape (see `UpstreamMethods`); none is a batch. */
export const MESSAGING_METHODS = {
  batch: [],
  whole: ['connect', 'send', 'getMessage', 'findSent'],
} as const satisfies UpstreamMethods<MessagingAdapter>;
