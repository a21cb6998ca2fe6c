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
import { createHmac, randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { WebhookRejected } from '../../adapters/ledger/port';
import { PROCESSOR_WEBHOOK_REJECTION } from '../../adapters/processor/port';
import { PROCESSOR_SYSTEMS } from '../../adapters/registry';
import type { PracticeRegistry } from '../../practices';
import type { SqlExecutor } from '../../transactions/sql-client';
import { BodyTooLarge, readBody } from '../../server/body';
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

const NOT_AUTHENTICATED = {
  error: 'the delivery could not be authenticated: check the route, the signature header and the secret',
};
const DECOY_KEY = randomBytes(32);

function reply(res: ServerResponse, status: number, body: Record<string, unknown>) {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
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
  let rawBody: Buffer;
  try {
    rawBody = await readBody(req, deps.maxBodyBytes ?? 1_000_000);
  } catch (error) {
    if (error instanceof BodyTooLarge) {
      report('too_large');
      return reply(res, 413, { error: error.message });
    }
    throw error;
  }
  // Read for an unknown route too: the same store read either way.
  const registration = await getProcessorRegistration(deps.sql, practiceId);
  const needsRegistration = processor?.adapter.capabilities.webhookRegistration ?? true;
  if (!processor || (needsRegistration && !registration)) {
    createHmac('sha256', DECOY_KEY).update(rawBody).digest();
    report(processor ? 'unregistered' : 'unknown_route');
    return reply(res, PROCESSOR_WEBHOOK_REJECTION.signature, NOT_AUTHENTICATED);
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
        return reply(res, PROCESSOR_WEBHOOK_REJECTION.signature, NOT_AUTHENTICATED);
      }
      report('bad_body');
      return reply(res, PROCESSOR_WEBHOOK_REJECTION.body, { error: error.message });
    }
    throw error;
  }
  let result: string;
  try {
    result = await deps.flow.applyEvent(practiceId, event);
  } catch {
    // Not stored: a non-2xx makes the processor deliver again (and the watch reads it back meanwhile).
    report('deferred');
    return reply(res, 503, { error: 'the delivery could not be applied yet; please redeliver' });
  }
  report(result);
  reply(res, 200, { result });
}
