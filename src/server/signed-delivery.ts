/**
 * What every webhook route of the gateway does around its own verification and effect (the ledger
 * systems' insertion deliveries in `webhook-route.ts`, the processors' in
 * `src/flows/collection/webhook-route.ts`): read the raw bytes within a bound, refuse an
 * unauthenticated delivery with ONE fixed answer whatever the reason (after work that takes as long
 * as a signature check, so timing does not tell which practices exist), and answer 2xx only once the
 * effect is stored.
 *
 *     const rawBody = await readDelivery(req, res, { maxBodyBytes, report });
 *     if (!rawBody) return; // 413 answered
 *     if (!known) return refuseUnauthenticated(res, rawBody, 401, report, 'unknown_route');
 *     await answerOnceStored(res, report, () => apply(event));
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { BodyTooLarge, readBody } from './body';

/** Observes each delivery's outcome (`unknown_route`, `bad_signature`, `duplicate`, …). */
export type ReportDelivery = (result: string) => void;

export function replyJson(res: ServerResponse, status: number, body: Record<string, unknown>): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

/** The one answer to a delivery that cannot be authenticated, whatever the reason. */
export const NOT_AUTHENTICATED = {
  error: 'the delivery could not be authenticated: check the route, the timestamp and signature headers, and the secret',
};

/** A key no delivery is signed with: the decoy check runs against it. */
const DECOY_KEY = randomBytes(32);

/** The raw body, or `null` once a 413 has been answered (default bound 1 MB). */
export async function readDelivery(
  req: IncomingMessage,
  res: ServerResponse,
  options: { maxBodyBytes?: number; report: ReportDelivery },
): Promise<Buffer | null> {
  try {
    return await readBody(req, options.maxBodyBytes ?? 1_000_000);
  } catch (error) {
    if (!(error instanceof BodyTooLarge)) throw error;
    options.report('too_large');
    replyJson(res, 413, { error: error.message });
    return null;
  }
}

/**
 * Refuse a delivery that will not be verified (no such practice, not its system, no secret): the
 * HMAC-SHA256 a signature check would compute over the body, then the fixed answer.
 */
export function refuseUnauthenticated(
  res: ServerResponse,
  rawBody: Buffer,
  status: number,
  report: ReportDelivery,
  reason: string,
): void {
  const mac = createHmac('sha256', DECOY_KEY).update(rawBody).digest();
  timingSafeEqual(mac, Buffer.alloc(mac.length));
  report(reason);
  replyJson(res, status, NOT_AUTHENTICATED);
}

/**
 * Apply a verified delivery and answer 200 `{ result }` once it is stored; when it cannot be stored
 * yet, 503: a non-2xx makes the sender deliver again (and the gateway's own polling keeps looking).
 */
export async function answerOnceStored(res: ServerResponse, report: ReportDelivery, apply: () => Promise<string>): Promise<void> {
  let result: string;
  try {
    result = await apply();
  } catch {
    report('deferred');
    return replyJson(res, 503, { error: 'the delivery could not be applied yet; please redeliver' });
  }
  report(result);
  replyJson(res, 200, { result });
}
