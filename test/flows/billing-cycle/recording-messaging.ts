/**
 * A small in-test messaging adapter implementing the port (`src/adapters/messaging/port.ts`), one
 * per channel, that records every send. It stands in for the Twilio and SendGrid adapters until they
 * land; the e2e tests of `billing-cycle.test.ts` reach it only through the gateway's
 * `createMessagingAdapter` option and its webhook routes, so swapping it for the real adapters
 * against their sandboxes replaces this file and the knobs below (see the flow's README).
 *
 * Knobs, by recipient: `refuse` answers REFUSED like Twilio 21211 / 21610; `outages` makes the next
 * n sends throw `UpstreamError` (nothing sent: a 503 before any byte). Webhooks are JSON bodies
 * `{ events: MessagingEvent[] }` signed with HMAC-SHA256 in `x-test-signature`.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { UpstreamError, WebhookRejected } from '../../../src/adapters/ledger/port';
import type {
  Channel,
  MessageFor,
  MessagingAdapter,
  MessagingEvent,
  MessageStatusRecord,
  SendOutcome,
} from '../../../src/adapters/messaging/port';
import type { WebhookDelivery } from '../../../src/adapters/system';

export const WEBHOOK_KEY = 'recording-messaging-test-key';

export interface RecordingAdapter extends MessagingAdapter {
  /** Every message the "provider" accepted, in order. */
  readonly sent: Array<MessageFor<Channel> & { providerMessageId: string }>;
  /** Every call to `send`, accepted or not (upstream calls). */
  calls: number;
  /** Recipients refused synchronously, with the provider's code. */
  refuse: Map<string, { status: 'FAILED' | 'SUPPRESSED'; reason: string; errorCode: string; recipient: 'INVALID' | 'OPTED_OUT' }>;
  /** The next `outages` sends throw an UpstreamError (nothing sent). */
  outages: number;
}

export function recordingAdapter(channel: Channel, system: string): RecordingAdapter {
  let next = 1;
  const adapter: RecordingAdapter = {
    system,
    channel,
    sent: [],
    calls: 0,
    refuse: new Map(),
    outages: 0,
    capabilities: {
      deliveryReceipts: true,
      inboundOptOut: true,
      templates: channel === 'EMAIL',
      statusCallbackPerMessage: channel === 'SMS',
      statusLookup: false,
      sentListing: true,
      maxTextLength: channel === 'SMS' ? 1_600 : null,
    },
    async connect() {},
    async send(message): Promise<SendOutcome> {
      adapter.calls += 1;
      if (adapter.outages > 0) {
        adapter.outages -= 1;
        throw new UpstreamError(`${system} answered 503 before accepting anything`, 'UPSTREAM_UNAVAILABLE');
      }
      const refusal = adapter.refuse.get(message.to);
      if (refusal) return { state: 'REFUSED', ...refusal };
      const providerMessageId = `${system}-msg-${next++}`;
      adapter.sent.push({ ...message, providerMessageId });
      return { state: 'ACCEPTED', providerMessageId, status: 'QUEUED', acceptedAt: new Date().toISOString() };
    },
    async findSent(message): Promise<MessageStatusRecord | null> {
      const found = adapter.sent.find((m) => m.reminderId === message.reminderId);
      return found
        ? {
            providerMessageId: found.providerMessageId,
            reminderId: found.reminderId,
            status: 'SENT',
            sentAt: new Date().toISOString(),
            failureReason: null,
            errorCode: null,
            recipient: null,
          }
        : null;
    },
    verifyWebhook(delivery: WebhookDelivery): MessagingEvent[] {
      const given = Buffer.from(String(delivery.headers['x-test-signature'] ?? ''), 'hex');
      const expected = createHmac('sha256', WEBHOOK_KEY).update(delivery.rawBody).digest();
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
        throw new WebhookRejected('the x-test-signature does not match the body', 401);
      }
      try {
        return (JSON.parse(delivery.rawBody.toString('utf8')) as { events: MessagingEvent[] }).events;
      } catch {
        throw new WebhookRejected('expected a JSON body { events: [...] }', 400);
      }
    },
    async close() {},
  };
  return adapter;
}

/** A signed delivery of `events` for `recordingAdapter`'s webhook check. */
export function signedDelivery(events: MessagingEvent[]): { body: string; headers: Record<string, string> } {
  const body = JSON.stringify({ events });
  return {
    body,
    headers: {
      'content-type': 'application/json',
      'x-test-signature': createHmac('sha256', WEBHOOK_KEY).update(body).digest('hex'),
    },
  };
}
