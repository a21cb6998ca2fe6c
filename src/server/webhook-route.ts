/**
 * `POST /webhooks/<system>/<practiceId>`: an upstream's insertion-status delivery. The adapter
 * verifies the signature and timestamp with the secret stored at registration and parses the body;
 * the transaction service applies it durably. Only then does the route answer 2xx, so a delivery the
 * gateway could not store is retried by the upstream. A duplicate answers 200 and changes nothing.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { WebhookRejected } from '../adapters/ledger/port';
import type { PracticeRegistry } from '../practices';
import type { TransactionService } from '../transactions/service';
import type { TransactionStore } from '../transactions/store';
import { BodyTooLarge, readBody } from './body';

export interface WebhookRouteDeps {
  registry: PracticeRegistry;
  store: TransactionStore;
  transactions: TransactionService;
  now?: () => Date;
  /** Largest body accepted. Default 1 MB. */
  maxBodyBytes?: number;
  /** Observes each delivery's outcome (metrics, logs). */
  onResult?: (e: { practiceId: string; result: string }) => void;
}

function reply(res: ServerResponse, status: number, body: Record<string, unknown>) {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

export async function handleWebhook(
  req: IncomingMessage,
  res: ServerResponse,
  system: string,
  practiceId: string,
  deps: WebhookRouteDeps,
): Promise<void> {
  const practice = deps.registry.get(practiceId);
  const report = (result: string) => deps.onResult?.({ practiceId, result });
  if (!practice || practice.routeSystem !== system || !practice.adapter.verifyWebhook) {
    report('unknown_route');
    return reply(res, 404, { error: 'no webhook route for that system and practice' });
  }
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
  const registration = await deps.store.getWebhookRegistration(practiceId);
  if (!registration) {
    report('unregistered');
    return reply(res, 401, { error: 'no webhook secret registered for this practice' });
  }
  let event: ReturnType<NonNullable<typeof practice.adapter.verifyWebhook>>;
  try {
    event = practice.adapter.verifyWebhook({
      headers: req.headers,
      rawBody,
      secret: registration.secret,
      now: deps.now?.() ?? new Date(),
    });
  } catch (error) {
    if (error instanceof WebhookRejected) {
      report(error.status === 401 ? 'bad_signature' : 'bad_body');
      return reply(res, error.status, { error: error.message });
    }
    throw error;
  }
  let outcome: string;
  try {
    outcome = await deps.transactions.handleInsertionEvent(practiceId, event);
  } catch {
    // Not stored (e.g. the completed rows cannot be read upstream yet): a non-2xx makes the vendor
    // deliver again, and the poller keeps looking meanwhile.
    report('deferred');
    return reply(res, 503, { error: 'the delivery could not be applied yet; please redeliver' });
  }
  report(outcome);
  reply(res, 200, { result: outcome });
}
