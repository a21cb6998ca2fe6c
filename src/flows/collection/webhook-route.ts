/**
 * `POST /webhooks/stripe/<practiceId>` and `/webhooks/square/<practiceId>`: a processor's signed
 * delivery. The practice's processor adapter verifies the signature over the raw bytes (with the
 * secret the gateway stored when it registered the endpoint, or the connection's own key) and the
 * timestamp; the flow applies the event durably (deduplicated by event id, in the same SQL
 * transaction as its effect); only then does the route answer 2xx. Posting to the ledger happens
 * after the answer, in the checkout's job.
 *
 * An unknown practice, a practice whose processor is not this one, a missing registration and a bad
 * signature answer alike (400, one fixed body, after an HMAC over the body), so the answer does not
 * tell which practices exist. Status 400 is what Stripe's documentation asks for a signature failure
 * (`PROCESSOR_WEBHOOK_REJECTION`); any non-2xx makes either processor deliver again.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { WebhookRejected } from '../../adapters/ledger/port';
import { PROCESSOR_WEBHOOK_REJECTION } from '../../adapters/processor/port';
import { PROCESSOR_SYSTEMS } from '../../adapters/registry';
import type { PracticeRegistry } from '../../practices';
import type { SqlExecutor } from '../../transactions/sql-client';
import {
  answerOnceStored,
  NOT_AUTHENTICATED,
  readDelivery,
  refuseUnauthenticated,
  replyJson,
} from '../../server/signed-delivery';
import { getProcessorRegistration } from './checkout-store';
import type { CollectionFlow } from './flow';

export interface ProcessorWebhookDeps {
  flow: CollectionFlow;
  practices: PracticeRegistry;
  sql: SqlExecutor;
  /** The gateway's public base URL: the URL the processor signed is this plus the request's path. */
  publicUrl: () => string;
  now?: () => Date;
  /** Largest body accepted. Default 1 MB. */
  maxBodyBytes?: number;
  onResult?: (e: { practiceId: string; result: string }) => void;
}

/** Whether `system` is a processor's word (the route is this one's), for the HTTP server's dispatch. */
export function isProcessorRoute(system: string): boolean {
  return PROCESSOR_SYSTEMS.some((d) => d.system === system);
}

export async function handleProcessorWebhook(
  req: IncomingMessage,
  res: ServerResponse,
  system: string,
  practiceId: string,
  deps: ProcessorWebhookDeps,
): Promise<void> {
  const found = deps.practices.get(practiceId)?.processor;
  const processor = found?.routeSystem === system ? found : undefined;
  const report = (result: string) => deps.onResult?.({ practiceId, result });
  const rawBody = await readDelivery(req, res, { maxBodyBytes: deps.maxBodyBytes, report });
  if (!rawBody) return;
  // Read for an unknown route too: the same store read either way.
  const registration = await getProcessorRegistration(deps.sql, practiceId);
  const needsRegistration = processor?.adapter.capabilities.webhookRegistration ?? true;
  if (!processor || (needsRegistration && !registration)) {
    const reason = processor ? 'unregistered' : 'unknown_route';
    return refuseUnauthenticated(res, rawBody, PROCESSOR_WEBHOOK_REJECTION.signature, report, reason);
  }
  let event: ReturnType<typeof processor.adapter.verifyWebhook>;
  try {
    event = processor.adapter.verifyWebhook({
      url: `${deps.publicUrl()}${req.url ?? ''}`,
      headers: req.headers,
      rawBody,
      secret: needsRegistration ? (registration?.secret ?? null) : null,
      now: deps.now?.() ?? new Date(),
    });
  } catch (error) {
    if (error instanceof WebhookRejected) {
      if (error.status === 401) {
        report('bad_signature');
        return replyJson(res, PROCESSOR_WEBHOOK_REJECTION.signature, NOT_AUTHENTICATED);
      }
      report('bad_body');
      return replyJson(res, PROCESSOR_WEBHOOK_REJECTION.body, { error: error.message });
    }
    throw error;
  }
  // Posting to the ledger happens after the answer, in the checkout's job.
  await answerOnceStored(res, report, () => deps.flow.applyEvent(practiceId, event));
}
