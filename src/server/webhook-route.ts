/**
 * `POST /webhooks/<system>/<practiceId>`: an upstream's insertion-status delivery. The adapter
 * verifies the signature and timestamp with the secret stored at registration and parses the body;
 * the transaction service applies it durably. Only then does the route answer 2xx, so a delivery the
 * gateway could not store is retried by the upstream. A duplicate answers 200 and changes nothing.
 *
 * An unknown practice, a system that is not the practice's, a practice without a registered secret
 * and every signature or timestamp failure answer exactly alike: 401 with one fixed body (the
 * reason goes to `onResult`, not to the caller), after reading the body and computing an HMAC over
 * it, so neither the answer nor its timing tells a caller which practices exist.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { WebhookRejected } from '../adapters/ledger/port';
import type { PracticeRegistry } from '../practices';
import type { TransactionService } from '../transactions/service';
import type { TransactionStore } from '../transactions/store';
import { answerOnceStored, NOT_AUTHENTICATED, readDelivery, refuseUnauthenticated, replyJson } from './signed-delivery';

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

export async function handleWebhook(
  req: IncomingMessage,
  res: ServerResponse,
  system: string,
  practiceId: string,
  deps: WebhookRouteDeps,
): Promise<void> {
  const found = deps.registry.get(practiceId);
  const verify = found?.routeSystem === system ? found.adapter.verifyWebhook?.bind(found.adapter) : undefined;
  const practice = verify ? found : undefined;
  const report = (result: string) => deps.onResult?.({ practiceId, result });
  const rawBody = await readDelivery(req, res, { maxBodyBytes: deps.maxBodyBytes, report });
  if (!rawBody) return;
  // Looked up for an unknown route too: the same store read either way.
  const registration = await deps.store.getWebhookRegistration(practiceId);
  if (!practice || !verify || !registration) {
    return refuseUnauthenticated(res, rawBody, 401, report, practice ? 'unregistered' : 'unknown_route');
  }
  let event: ReturnType<NonNullable<typeof practice.adapter.verifyWebhook>>;
  try {
    event = verify({
      headers: req.headers,
      rawBody,
      secret: registration.secret,
      now: deps.now?.() ?? new Date(),
    });
  } catch (error) {
    if (error instanceof WebhookRejected) {
      if (error.status === 401) {
        report('bad_signature');
        return replyJson(res, 401, NOT_AUTHENTICATED);
      }
      // Only a correctly signed delivery gets here: its sender knows the practice already.
      report('bad_body');
      return replyJson(res, error.status, { error: error.message });
    }
    throw error;
  }
  await answerOnceStored(res, report, () => deps.transactions.handleInsertionEvent(practiceId, event));
}
