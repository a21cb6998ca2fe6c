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
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
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

/** The one answer to a delivery that cannot be authenticated, whatever the reason. */
const NOT_AUTHENTICATED = {
  error: 'the delivery could not be authenticated: check the route, the timestamp and signature headers, and the secret',
};

/** A key no delivery is signed with: the decoy check below runs against it. */
const DECOY_KEY = randomBytes(32);

/**
 * The work a signature check does (an HMAC-SHA256 over the body, a constant-time comparison), for a
 * delivery that will be refused without one, so that refusal takes as long as a failed check.
 */
function decoySignatureCheck(req: IncomingMessage, rawBody: Buffer): void {
  const timestamp = String(req.headers.timestamp ?? '');
  const mac = createHmac('sha256', DECOY_KEY)
    .update(`${timestamp}.${rawBody.toString('base64')}`)
    .digest();
  const given = Buffer.alloc(mac.length);
  Buffer.from(String(req.headers.signature ?? ''), 'utf8').copy(given);
  timingSafeEqual(mac, given);
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
  // Looked up for an unknown route too: the same store read either way.
  const registration = await deps.store.getWebhookRegistration(practiceId);
  if (!practice || !verify || !registration) {
    decoySignatureCheck(req, rawBody);
    report(practice ? 'unregistered' : 'unknown_route');
    return reply(res, 401, NOT_AUTHENTICATED);
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
        return reply(res, 401, NOT_AUTHENTICATED);
      }
      // Only a correctly signed delivery gets here: its sender knows the practice already.
      report('bad_body');
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
