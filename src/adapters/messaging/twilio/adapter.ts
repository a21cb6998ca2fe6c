/**
 * The Twilio SMS adapter (`../port.ts`) over the official SDK (`client.ts`): Programmable Messaging's
 * Messages resource (create, fetch, list) and its webhooks. Every create carries the reminder id in
 * its `StatusCallback` URL (`?r=`), is sent once (no idempotency key exists upstream), and at most
 * {@link TWILIO_MAX_CONCURRENT_CREATES} run at once per account.
 */
import { createHash } from 'node:crypto';
import { createLimiter, type Limiter } from '../../http';
import { UpstreamError } from '../../ledger/port';
import type { AdapterOptions, WebhookDelivery } from '../../system';
import type { MessageStatusRecord, MessagingAdapter, MessagingCapabilities, SendOutcome, SmsMessage } from '../port';
import { createTwilioClient, DEFAULT_TIMEOUT_MS, type TwilioClient, UnreadableAnswer } from './client';
import { e164, type TwilioConnection } from './connection';
import { failedBeforeSending, isRestException, networkReason, restText, toUpstreamError } from './errors';
import { ERROR_MEANINGS, RECIPIENT_REFUSALS, reminderStatusOf, statusRecord } from './mapping';
import { TWILIO_MAX_CONCURRENT_CREATES } from './rate-limits';
import { messageSchema, type TwilioMessage } from './schemas';
import { verifyTwilioWebhook } from './webhooks';

/** Twilio's longest `Body` (`21617` beyond). */
const MAX_TEXT_LENGTH = 1600;

export const twilioCapabilities: MessagingCapabilities = {
  deliveryReceipts: true,
  inboundOptOut: true,
  templates: false,
  statusCallbackPerMessage: true,
  statusLookup: true,
  sentListing: true,
  maxTextLength: MAX_TEXT_LENGTH,
};

const CREATE = 'POST /2010-04-01/Accounts/{AccountSid}/Messages.json';
const FETCH = 'GET /2010-04-01/Accounts/{AccountSid}/Messages/{Sid}.json';
const LIST = 'GET /2010-04-01/Accounts/{AccountSid}/Messages.json';
/** Twilio's largest page; also the most messages `findSent` reads (one recipient, a few minutes). */
const PAGE_SIZE = 1000;

const accountLimiters = new Map<string, Limiter>();

/** One limiter per account (base URL + AccountSid), shared by every adapter of it in this process. */
function accountLimiter(connection: TwilioConnection): Limiter {
  const key = createHash('sha256').update(`${connection.baseUrl}\n${connection.accountSid}`).digest('hex');
  let limiter = accountLimiters.get(key);
  if (!limiter) {
    limiter = createLimiter(TWILIO_MAX_CONCURRENT_CREATES);
    accountLimiters.set(key, limiter);
  }
  return limiter;
}

/** The `StatusCallback` URL with `r=<reminderId>`, whatever the caller built: events must find their reminder. */
export function statusCallbackFor(url: string, reminderId: string): string {
  const callback = new URL(url);
  callback.searchParams.set('r', reminderId);
  return callback.toString();
}

function parseMessage(value: unknown, endpoint: string): TwilioMessage {
  const parsed = messageSchema.safeParse(value);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new UpstreamError(`Twilio ${endpoint} answered an unexpected shape: ${issues}`, 'UPSTREAM_UNAVAILABLE', 200, endpoint);
  }
  return parsed.data;
}

type Messages = ReturnType<TwilioClient['api']['v2010']['accounts']>['messages'];

export function createTwilioAdapter(connection: TwilioConnection, options: AdapterOptions = {}): MessagingAdapter<'SMS'> {
  // Built on the first call, never at construction: that is when the SDK is loaded (`sdk.ts`).
  let pending: Promise<Messages> | undefined;
  const messagesOf = (): Promise<Messages> => {
    pending ??= createTwilioClient(connection, options).then(
      (client) => client.api.v2010.accounts(connection.accountSid).messages,
      (error: unknown) => {
        pending = undefined; // a failed load is retried by the next call
        throw error;
      },
    );
    return pending;
  };
  const limit = accountLimiter(connection);
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const sender = connection.messagingServiceSid
    ? { messagingServiceSid: connection.messagingServiceSid }
    : { from: connection.from as string };

  async function read<T>(endpoint: string, run: (messages: Messages) => Promise<T>): Promise<T> {
    const messages = await messagesOf();
    try {
      return await run(messages);
    } catch (error) {
      throw toUpstreamError(error, endpoint, timeoutMs);
    }
  }

  return {
    system: 'twilio',
    channel: 'SMS',
    capabilities: twilioCapabilities,

    async connect() {
      // The cheapest call among those the adapter makes anyway; bad credentials answer 401 (20003).
      await read(LIST, (messages) => messages.page({ pageSize: 1 }));
    },

    async send(message: SmsMessage): Promise<SendOutcome> {
      // Refused here, before any request: Twilio would refuse both the same way (21211, 21617).
      if (!e164.safeParse(message.to).success) {
        const meaning = ERROR_MEANINGS['21211'];
        return {
          state: 'REFUSED',
          status: 'FAILED',
          reason: meaning?.reason ?? 'invalid number',
          errorCode: null,
          recipient: 'INVALID',
        };
      }
      if (message.text.length === 0 || message.text.length > MAX_TEXT_LENGTH) {
        throw new UpstreamError(
          `Twilio ${CREATE} not sent: expected a Body of 1 to 1600 characters, got ${message.text.length}`,
          'UPSTREAM_REJECTED',
          null,
          CREATE,
        );
      }
      const messages = await messagesOf();
      let created: unknown;
      try {
        created = await limit(() =>
          messages.create({
            to: message.to,
            ...sender,
            body: message.text,
            statusCallback: statusCallbackFor(message.statusCallbackUrl, message.reminderId),
          }),
        );
      } catch (error) {
        return refusalOrThrow(error);
      }
      // A 201 whose body does not parse: the message exists, we cannot say which. Never resend.
      const parsed = messageSchema.safeParse(created);
      if (!parsed.success) return { state: 'UNKNOWN', reason: 'created (201) but the answer did not parse' };
      const status = reminderStatusOf(parsed.data.status);
      return {
        state: 'ACCEPTED',
        providerMessageId: parsed.data.sid,
        status: status === 'SENT' || status === 'DELIVERED' ? 'SENT' : 'QUEUED',
        acceptedAt: (parsed.data.dateCreated ?? new Date()).toISOString(),
      };
    },

    async getMessage(providerMessageId: string): Promise<MessageStatusRecord> {
      const message = parseMessage(await read(FETCH, (messages) => messages(providerMessageId).fetch()), FETCH);
      const record = statusRecord(message);
      if (!record) {
        throw new UpstreamError(
          `Twilio ${FETCH}: message is "${message.status}", not an outbound status`,
          'UPSTREAM_REJECTED',
          200,
          FETCH,
        );
      }
      return record;
    },

    async findSent(message: SmsMessage, since: string): Promise<MessageStatusRecord | null> {
      const after = new Date(since);
      if (Number.isNaN(after.getTime())) throw new RangeError(`findSent: expected an ISO 8601 time, got "${since}"`);
      const listed = await read(LIST, (messages) =>
        messages.list({ to: message.to, dateSentAfter: after, pageSize: PAGE_SIZE, limit: PAGE_SIZE }),
      );
      for (const item of listed) {
        const candidate = parseMessage(item, LIST);
        if (candidate.body !== message.text) continue;
        if (candidate.direction && !candidate.direction.startsWith('outbound')) continue;
        const record = statusRecord(candidate);
        if (record) return record;
      }
      return null;
    },

    verifyWebhook(delivery: WebhookDelivery) {
      return verifyTwilioWebhook(delivery, { accountSid: connection.accountSid, authToken: connection.authToken });
    },

    async close() {
      // The SDK keeps no resources that need closing (its agent's idle sockets time out on their own).
    },
  };

  /** A failed create: `REFUSED` for this recipient, `UNKNOWN` when it may have reached Twilio, else `UpstreamError`. */
  function refusalOrThrow(error: unknown): SendOutcome {
    if (isRestException(error)) {
      const code = error.code === undefined ? null : String(error.code);
      const meaning = code ? ERROR_MEANINGS[code] : undefined;
      if (error.status === 400 && code && meaning && RECIPIENT_REFUSALS.has(code)) {
        return {
          state: 'REFUSED',
          status: meaning.status,
          reason: meaning.reason,
          errorCode: code,
          recipient: meaning.recipient,
        };
      }
      // A 5xx may come after Twilio created the message (a proxy's 502, a timeout behind it).
      if (error.status >= 500) return { state: 'UNKNOWN', reason: `HTTP ${error.status}: ${restText(error)}` };
      throw toUpstreamError(error, CREATE, timeoutMs);
    }
    if (error instanceof UnreadableAnswer)
      return { state: 'UNKNOWN', reason: `created (${error.status}) but the answer did not parse` };
    // A refused connection: the request never left, so retrying is safe.
    if (failedBeforeSending(error)) throw toUpstreamError(error, CREATE, timeoutMs);
    // Anything raised before the exchange (the upstream budget's cap) is not the SDK's: nothing was sent.
    if (!(error as { isAxiosError?: boolean } | null)?.isAxiosError) throw error;
    return { state: 'UNKNOWN', reason: networkReason(error, timeoutMs) };
  }
}
