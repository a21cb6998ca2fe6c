/**
 * The boundary: what the adapter reads from the SDK's message instances (the SDK turns Twilio's
 * snake_case JSON into camelCase fields and RFC 2822 dates into `Date`s) and from webhook forms.
 * Unknown fields pass (Twilio adds some); the ones read must be there and of their type.
 */
import { z } from 'zod';

/** `SM…`/`MM…` + 32 hex digits. Opaque: compared whole, never parsed further. */
const messageSid = z.string().regex(/^(SM|MM)[0-9a-fA-F]{32}$/, 'expected a message SID (SM or MM + 32 hex digits)');

/** A date the SDK parsed; an absent or unparsable one is `null` (the SDK keeps what it could not parse). */
const sdkDate = z.unknown().transform((value) => (value instanceof Date && !Number.isNaN(value.getTime()) ? value : null));

/** One message resource, as the SDK hands it over (create, fetch, list). */
export const messageSchema = z.object({
  sid: messageSid,
  status: z.string().min(1, 'expected a status'),
  to: z.string().nullish(),
  body: z.string().nullish(),
  direction: z.string().nullish(),
  errorCode: z
    .number()
    .int()
    .nullish()
    .transform((value) => value ?? null),
  dateCreated: sdkDate,
  dateSent: sdkDate,
});

export type TwilioMessage = z.output<typeof messageSchema>;

/** A webhook's `MessageSid`: opaque, compared whole (the signature already vouches for it). */
const webhookSid = z.string().min(1, 'expected MessageSid');

/**
 * A status callback's form (the fields read; others are ignored). `ErrorCode` comes with
 * `failed`/`undelivered`; `MessageStatus` is what tells a callback from an inbound message.
 * `AccountSid`, when sent (always, by Twilio), must be the connection's (checked by the caller).
 */
export const statusCallbackSchema = z.object({
  MessageSid: webhookSid,
  MessageStatus: z.string().min(1, 'expected MessageStatus'),
  ErrorCode: z
    .string()
    .regex(/^\d*$/, 'expected a numeric ErrorCode')
    .optional()
    .transform((value) => (value ? value : null)),
});

/** An inbound message's form (a patient's reply). `OptOutType` is set when Twilio recognised a keyword. */
export const inboundSchema = z.object({
  MessageSid: webhookSid,
  From: z.string().min(1, 'expected From'),
  Body: z.string().default(''),
  OptOutType: z.string().optional(),
});
