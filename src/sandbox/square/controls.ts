/**
 * The `/_sandbox/…` controls tests drive (JSON, no auth, not logged): pay a link, hold or settle
 * refunds, hold, release and resend webhooks, inject faults, read the request log, reset.
 */
import type { FaultRule } from '../shared/fault-injection';
import { ok, type Reply, SquareHttpError } from './errors';
import type { ServerParts } from './server';
import type { Json } from './validate';

/** A fault as the control takes it: `{method, path (a prefix), status, body?, delayMs?, times? (1), drop?}`. */
export function faultRuleFromControl(json: Json): { rule: FaultRule; body: unknown } {
  const rule: FaultRule = { times: 1 };
  if (typeof json['method'] === 'string') rule.method = json['method'];
  if (typeof json['path'] === 'string') rule.path = json['path'];
  if (typeof json['status'] === 'number') rule.status = json['status'];
  if (typeof json['delayMs'] === 'number') rule.latencyMs = json['delayMs'];
  if (json['times'] !== undefined) rule.times = json['times'] as number;
  if (json['drop'] === true) rule.reset = true;
  return { rule, body: json['body'] };
}

/** The `/_sandbox/…` controls. */
export async function controls(method: string, path: string, raw: string, parts: ServerParts): Promise<Reply> {
  const { store, hub } = parts;
  try {
    const json = (raw.trim() ? JSON.parse(raw) : {}) as Json;
    const payLink = /^\/_sandbox\/payment-links\/([^/]+)\/pay$/.exec(path);
    const settle = /^\/_sandbox\/refunds\/([^/]+)\/settle$/.exec(path);
    const resend = /^\/_sandbox\/events\/([^/]+)\/resend$/.exec(path);
    if (method === 'POST' && payLink) {
      const result = store.pay(decodeURIComponent(payLink[1]!), {
        card: String(json['card'] ?? ''),
        ...(typeof json['cvv'] === 'string' ? { cvv: json['cvv'] } : {}),
        ...(typeof json['postalCode'] === 'string' ? { postalCode: json['postalCode'] } : {}),
        ...(typeof json['expirationDate'] === 'string' ? { expirationDate: json['expirationDate'] } : {}),
        ...(typeof json['buyerEmail'] === 'string' ? { buyerEmail: json['buyerEmail'] } : {}),
      });
      if (!result) return { status: 404, body: { error: 'no such payment link' } };
      if (result.outcome === 'unavailable') return { status: 410, body: { outcome: 'unavailable' } };
      return {
        status: 200,
        body: {
          outcome: result.outcome,
          ...(result.outcome === 'declined' ? { code: result.code } : {}),
          payment: store.paymentJson(result.payment),
        },
      };
    }
    if (method === 'POST' && path === '/_sandbox/refunds') {
      const auto = json['autoComplete'];
      if (typeof auto !== 'boolean') return { status: 400, body: { error: 'autoComplete must be a boolean' } };
      store.autoCompleteRefunds = auto;
      return ok({ autoComplete: auto });
    }
    if (method === 'POST' && settle) {
      const status = json['status'];
      if (status !== 'COMPLETED' && status !== 'REJECTED' && status !== 'FAILED')
        return { status: 400, body: { error: 'status must be COMPLETED, REJECTED or FAILED' } };
      return ok({ refund: store.refundJson(store.settleRefund(decodeURIComponent(settle[1]!), status)) });
    }
    if (method === 'POST' && path === '/_sandbox/webhooks') {
      if (json['hold'] === true) hub.hold();
      else if (json['hold'] === false) await hub.release();
      return ok({ holding: hub.isHolding });
    }
    if (method === 'POST' && path === '/_sandbox/webhooks/release') {
      const order = json['order'] === 'reverse' || json['order'] === 'shuffle' ? json['order'] : 'fifo';
      const seed = typeof json['seed'] === 'number' && Number.isInteger(json['seed']) ? json['seed'] : undefined;
      return ok({ released: await hub.release({ order, duplicate: json['duplicate'] === true, seed }) });
    }
    if (method === 'POST' && resend) {
      const sent = await hub.resend(decodeURIComponent(resend[1]!));
      return sent ? ok({ sent }) : { status: 404, body: { error: 'no deliveries for that event' } };
    }
    if (method === 'GET' && path === '/_sandbox/webhooks')
      return ok({ holding: hub.isHolding, deliveries: hub.deliveries, events: hub.events });
    if (method === 'POST' && path === '/_sandbox/faults') {
      const { rule, body } = faultRuleFromControl(json);
      const id = parts.faults.add(rule);
      if (body !== undefined) parts.faultBodies.set(id, body);
      return ok({ id });
    }
    if (method === 'DELETE' && path === '/_sandbox/faults') {
      parts.faults.clear();
      parts.faultBodies.clear();
      return ok({});
    }
    if (method === 'GET' && path === '/_sandbox/requests') return ok({ requests: parts.log });
    if (method === 'POST' && path === '/_sandbox/reset') {
      parts.reset();
      return ok({});
    }
  } catch (error) {
    if (error instanceof SquareHttpError) return error.toReply();
    return { status: 400, body: { error: error instanceof Error ? error.message : String(error) } };
  }
  return { status: 404, body: { error: `no control ${method} ${path}` } };
}
