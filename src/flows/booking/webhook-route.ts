/**
 * `POST /webhooks/quickbooks/<practiceId>` (the books' system word): a signed delivery of the
 * books' change events. One Intuit app has one webhook URL for all the companies connected through
 * it, so the URL's practice only names whose connection verifies the delivery (its app's verifier
 * token, `intuit-signature` over the raw bytes); each event is then routed by its company (realm) to
 * every practice whose books are that company **and** whose own connection verifies the same
 * delivery (the same app). An event of a company no practice holds is dropped with a 200, as the
 * spec asks. Events are applied durably (deduplicated by event id, in the same SQL transaction as
 * their effect) before the 200; the re-reads of the changed entries happen after, in one job per
 * practice and delivery (one read of them all).
 *
 * An unknown practice, a practice without books or without webhooks, and a bad signature answer
 * alike (401, one fixed body, after an HMAC over the body): nothing is stored, and the answer does
 * not tell which practices exist. A malformed body that was correctly signed answers 400.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ACCOUNTING_WEBHOOK_REJECTION, type AccountingEvent } from '../../adapters/accounting/port';
import { WebhookRejected } from '../../adapters/ledger/port';
import type { WebhookDelivery } from '../../adapters/system';
import {
  answerOnceStored,
  NOT_AUTHENTICATED,
  readDelivery,
  refuseUnauthenticated,
  replyJson,
} from '../../server/signed-delivery';
import type { BookingFlow } from './flow';

export interface AccountingWebhookDeps {
  flow: BookingFlow;
  /** The gateway's public base URL (the delivery's `url`). */
  publicUrl: () => string;
  now?: () => Date;
  /** Largest body accepted. Default 1 MB. */
  maxBodyBytes?: number;
  onResult?: (e: { practiceId: string; result: string }) => void;
}

/** Whether `system` is the word of a practice's books, for the HTTP server's dispatch. */
export function isAccountingRoute(system: string, flow: BookingFlow): boolean {
  const { practices, books } = flow.context;
  return practices.all().some((p) => books(p.id)?.adapter.system === system);
}

/** The events of a delivery as the practice's books verify it; `null` when they refuse it. */
function verifiedBy(flow: BookingFlow, practiceId: string, delivery: WebhookDelivery): AccountingEvent[] | null {
  const adapter = flow.context.books(practiceId)?.adapter;
  if (!adapter?.verifyWebhook) return null;
  try {
    return adapter.verifyWebhook(delivery);
  } catch (error) {
    if (error instanceof WebhookRejected && error.status === ACCOUNTING_WEBHOOK_REJECTION.signature) return null;
    throw error;
  }
}

export async function handleAccountingWebhook(
  req: IncomingMessage,
  res: ServerResponse,
  system: string,
  practiceId: string,
  deps: AccountingWebhookDeps,
): Promise<void> {
  const report = (result: string) => deps.onResult?.({ practiceId, result });
  const rawBody = await readDelivery(req, res, { maxBodyBytes: deps.maxBodyBytes, report });
  if (!rawBody) return;
  const adapter = deps.flow.context.books(practiceId)?.adapter;
  if (adapter?.system !== system || !adapter.verifyWebhook) {
    return refuseUnauthenticated(res, rawBody, ACCOUNTING_WEBHOOK_REJECTION.signature, report, 'unknown_route');
  }
  const delivery: WebhookDelivery = {
    url: `${deps.publicUrl()}${req.url ?? ''}`,
    headers: req.headers,
    rawBody,
    secret: null,
    now: deps.now?.() ?? new Date(),
  };
  let events: AccountingEvent[] | null;
  try {
    events = verifiedBy(deps.flow, practiceId, delivery);
  } catch (error) {
    if (!(error instanceof WebhookRejected)) throw error;
    report('bad_body');
    return replyJson(res, ACCOUNTING_WEBHOOK_REJECTION.body, { error: error.message });
  }
  if (!events) {
    report('bad_signature');
    return replyJson(res, ACCOUNTING_WEBHOOK_REJECTION.signature, NOT_AUTHENTICATED);
  }
  await answerOnceStored(res, report, async () => {
    const counts = { applied: 0, duplicate: 0, ignored: 0, dropped: 0 };
    // Each company's practices, verified once per practice (the same app's token), not per event.
    const verifiedPractices = new Map<string, boolean>();
    // Each practice's events of the delivery together: one SQL transaction, one re-read job.
    const byPractice = new Map<string, AccountingEvent[]>();
    for (const event of events) {
      const targets = deps.flow.practicesOfCompany(event.companyId).filter((target) => {
        if (!verifiedPractices.has(target)) {
          verifiedPractices.set(target, target === practiceId || safeVerified(deps.flow, target, delivery));
        }
        return verifiedPractices.get(target);
      });
      if (targets.length === 0) counts.dropped++;
      for (const target of targets) byPractice.set(target, [...(byPractice.get(target) ?? []), event]);
    }
    for (const [target, list] of byPractice) {
      for (const result of await deps.flow.applyEvents(target, list)) counts[result]++;
    }
    return counts.applied > 0 ? 'applied' : counts.duplicate > 0 ? 'duplicate' : counts.ignored > 0 ? 'ignored' : 'dropped';
  });
}

function safeVerified(flow: BookingFlow, practiceId: string, delivery: WebhookDelivery): boolean {
  try {
    return verifiedBy(flow, practiceId, delivery) !== null;
  } catch {
    return false;
  }
}
