/**
 * `POST /webhooks/twilio/<practiceId>` and `/webhooks/sendgrid/<practiceId>` — generic over the
 * messaging port: the route's system names which of the practice's messaging adapters (SMS or
 * email) verifies the delivery (`verifyWebhook`: Twilio's signature over URL + sorted parameters,
 * SendGrid's ECDSA over timestamp + body, each with a key of its connection), and the flow applies
 * its events once each (`events.ts`); only then does the route answer 2xx.
 *
 * An unknown practice, a practice with no adapter of this system and a bad signature answer alike
 * (403, one fixed body, after an HMAC over the body), so the answer does not tell which practices
 * exist; a malformed body is 400 (`MESSAGING_WEBHOOK_REJECTION`). Any non-2xx makes both providers
 * deliver again.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { WebhookRejected } from '../../adapters/ledger/port';
import {
  MESSAGING_WEBHOOK_REJECTION,
  type Channel,
  type MessagingAdapter,
  type MessagingEvent,
} from '../../adapters/messaging/port';
import type { PracticeRegistry } from '../../practices';
import {
  answerOnceStored,
  NOT_AUTHENTICATED,
  readDelivery,
  refuseUnauthenticated,
  replyJson,
} from '../../server/signed-delivery';
import type { BillingCycleFlow } from './flow';

const CHANNELS: readonly Channel[] = ['SMS', 'EMAIL'];

export interface MessagingWebhookDeps {
  flow: BillingCycleFlow;
  practices: PracticeRegistry;
  /** The gateway's public base URL: the URL the provider signed is this plus the request's path and query. */
  publicUrl: () => string;
  now?: () => Date;
  /** Largest body accepted. Default 1 MB. */
  maxBodyBytes?: number;
  onResult?: (e: { practiceId: string; result: string }) => void;
}

/** The practice's messaging adapter of `system`, if it has one. */
function adapterOf(deps: MessagingWebhookDeps, system: string, practiceId: string): MessagingAdapter | null {
  if (!deps.practices.get(practiceId)) return null;
  for (const channel of CHANNELS) {
    const adapter = deps.flow.context.messagingFor(practiceId, channel);
    if (adapter?.system === system) return adapter;
  }
  return null;
}

/** Whether `system` is a messaging provider's word of any practice (the route is this one's). */
export function isMessagingRoute(system: string, deps: Pick<MessagingWebhookDeps, 'flow' | 'practices'>): boolean {
  return deps.practices
    .all()
    .some((p) => CHANNELS.some((channel) => deps.flow.context.messagingFor(p.id, channel)?.system === system));
}

export async function handleMessagingWebhook(
  req: IncomingMessage,
  res: ServerResponse,
  system: string,
  practiceId: string,
  deps: MessagingWebhookDeps,
): Promise<void> {
  const report = (result: string) => deps.onResult?.({ practiceId, result });
  const rawBody = await readDelivery(req, res, { maxBodyBytes: deps.maxBodyBytes, report });
  if (!rawBody) return;
  const adapter = adapterOf(deps, system, practiceId);
  if (!adapter) return refuseUnauthenticated(res, rawBody, MESSAGING_WEBHOOK_REJECTION.signature, report, 'unknown_route');
  let events: MessagingEvent[];
  try {
    events = adapter.verifyWebhook({
      url: `${deps.publicUrl()}${req.url ?? ''}`,
      headers: req.headers,
      rawBody,
      secret: null,
      now: deps.now?.() ?? new Date(),
    });
  } catch (error) {
    if (error instanceof WebhookRejected) {
      if (error.status === 401) {
        report('bad_signature');
        return replyJson(res, MESSAGING_WEBHOOK_REJECTION.signature, NOT_AUTHENTICATED);
      }
      report('bad_body');
      return replyJson(res, MESSAGING_WEBHOOK_REJECTION.body, { error: error.message });
    }
    throw error;
  }
  await answerOnceStored(res, report, () => deps.flow.applyEvents(practiceId, adapter.system, adapter.channel, events));
}
