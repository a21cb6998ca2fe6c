/**
 * The control surface `/_sandbox/…` (JSON, no auth, not logged, no faults), as the team's spec
 * lists it, plus a few reads for tests:
 *
 * | control | effect |
 * |---|---|
 * | `PUT /_sandbox/webhook-url {"url"}`, `PUT /_sandbox/webhook-format {"format":"legacy"\|"cloudevents"}` | where and how webhooks go |
 * | `POST /_sandbox/entities/{realm}/{entity}/{id}/touch {"amount"?,"privateNote"?,"txnDate"?}` | the accountant saves it (edited when fields are given): `Update` |
 * | `POST /_sandbox/entities/{realm}/{entity}/{id}/void`, `/delete`, `/merge {"into"}` | `Void`, `Delete`, `Merge` (customers) |
 * | `GET /_sandbox/entities/{realm}/{entity}` | every entity of the type, deleted ones included |
 * | `POST /_sandbox/tokens/expire {"realm"?}` | expire the access tokens (of one realm) now |
 * | `POST /_sandbox/realms/{realm}/status {"active"?,"authorized"?,"closingDate"?}` | 6190 on writes / 120 on every call / 6210 on or before the date |
 * | `POST /_sandbox/clock {"advanceSeconds"}`, `GET /_sandbox/clock` | move the sandbox clock (due webhook retries fire) |
 * | `POST /_sandbox/webhooks {"hold"}`, `GET /_sandbox/webhooks`, `POST /_sandbox/webhooks/release {"order","duplicate"}` | hold, list, release |
 * | `POST /_sandbox/faults {…}`, `DELETE /_sandbox/faults` | see `addFaultFromJson` |
 * | `GET /_sandbox/requests`, `POST /_sandbox/reset` | the request log; everything back to the seeds |
 */
import { controlFaultRule } from '../shared/control-fault';
import type { ServerParts } from './server';
import { sendJson } from './server';
import { entityType } from './store';
import { QboError } from './wire';
import { readAmount } from '../shared/wire-money';

export type ControlParts = Omit<ServerParts, 'control'> & { reset(): void };

const ENTITY_ACTION = /^\/_sandbox\/entities\/([^/]+)\/([^/]+)\/([^/]+)\/(touch|void|delete|merge)$/;
const ENTITY_LIST = /^\/_sandbox\/entities\/([^/]+)\/([^/]+)$/;
const REALM_STATUS = /^\/_sandbox\/realms\/([^/]+)\/status$/;

export function createControl(parts: ControlParts): ServerParts['control'] {
  const { books, auth, hub, clock, faults, log } = parts;
  return async (method, path, raw, res) => {
    let body: Record<string, unknown> = {};
    if (raw.trim()) {
      try {
        body = JSON.parse(raw) as Record<string, unknown>;
      } catch {
        return sendJson(res, 400, { error: 'body must be JSON' });
      }
    }
    try {
      const answer = await dispatch(method, path, body);
      if (answer === undefined) return sendJson(res, 404, { error: `unknown control ${method} ${path}` });
      sendJson(res, 200, answer);
    } catch (error) {
      const status = error instanceof ControlError ? error.status : 400;
      const message = error instanceof QboError ? `${error.code} ${error.message}: ${error.detail}` : (error as Error).message;
      sendJson(res, status, { error: message });
    }
  };

  async function dispatch(method: string, path: string, body: Record<string, unknown>): Promise<unknown> {
    const action = method === 'POST' ? ENTITY_ACTION.exec(path) : null;
    if (action) {
      const [, realmId = '', word = '', id = '', verb] = action;
      const type = entityType(word);
      if (!type) throw new ControlError(404, `unknown entity ${word}`);
      if (!books.realm(realmId)) throw new ControlError(404, `unknown realm ${realmId}`);
      if (verb === 'void') return books.accountant.void(realmId, type, id).data;
      if (verb === 'delete') return books.accountant.delete(realmId, type, id).data;
      if (verb === 'merge') {
        if (type !== 'Customer' || typeof body.into !== 'string')
          throw new Error('expected a customer and {"into": "<surviving Id>"}');
        return books.accountant.mergeCustomers(realmId, id, body.into).data;
      }
      const { amount, privateNote, txnDate } = body;
      if (amount === undefined && privateNote === undefined && txnDate === undefined)
        return books.accountant.touch(realmId, type, id).data;
      const amountCents = amount === undefined ? undefined : readAmount(amount as string | number);
      if (amountCents === null) throw new Error(`amount must be dollars with at most 2 decimals, got ${JSON.stringify(amount)}`);
      if (privateNote !== undefined && typeof privateNote !== 'string') throw new Error('privateNote must be a string');
      if (txnDate !== undefined && (typeof txnDate !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(txnDate)))
        throw new Error('txnDate must be YYYY-MM-DD');
      return books.accountant.edit(realmId, type, id, {
        ...(amountCents !== undefined ? { amountCents } : {}),
        ...(privateNote !== undefined ? { privateNote: privateNote as string } : {}),
        ...(txnDate !== undefined ? { txnDate: txnDate as string } : {}),
      }).data;
    }
    const list = method === 'GET' ? ENTITY_LIST.exec(path) : null;
    if (list) {
      const type = entityType(list[2] ?? '');
      const realm = books.realm(list[1] ?? '');
      if (!type || !realm) throw new ControlError(404, `unknown realm or entity in ${path}`);
      return realm.changedSince(type, Number.NEGATIVE_INFINITY).map((e) => ({ ...e.data, deleted: e.deleted }));
    }
    const status = method === 'POST' ? REALM_STATUS.exec(path) : null;
    if (status) {
      const realm = books.realm(status[1] ?? '');
      if (!realm) throw new ControlError(404, `unknown realm ${status[1]}`);
      const { active, authorized, closingDate } = body;
      if (active !== undefined && typeof active !== 'boolean') throw new Error('active must be true or false');
      if (authorized !== undefined && typeof authorized !== 'boolean') throw new Error('authorized must be true or false');
      if (
        closingDate !== undefined &&
        closingDate !== null &&
        (typeof closingDate !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(closingDate))
      )
        throw new Error('closingDate must be YYYY-MM-DD or null');
      if (active !== undefined) realm.active = active;
      if (authorized !== undefined) realm.authorized = authorized;
      if (closingDate !== undefined) realm.closingDate = closingDate as string | null;
      return { realmId: realm.realmId, active: realm.active, authorized: realm.authorized, closingDate: realm.closingDate };
    }
    if (method === 'PUT' && path === '/_sandbox/webhook-url') {
      const { url } = body;
      if (url !== null && (typeof url !== 'string' || !/^https?:\/\//.test(url)))
        throw new Error('expected {"url": "http(s)://…"} or {"url": null}');
      hub.url = url as string | null;
      return { url: hub.url };
    }
    if (method === 'PUT' && path === '/_sandbox/webhook-format') {
      if (body.format !== 'legacy' && body.format !== 'cloudevents')
        throw new Error('expected {"format": "legacy"|"cloudevents"}');
      hub.format = body.format;
      return { format: hub.format };
    }
    if (method === 'POST' && path === '/_sandbox/tokens/expire') {
      if (body.realm !== undefined && (typeof body.realm !== 'string' || !books.realm(body.realm)))
        throw new ControlError(404, `unknown realm ${String(body.realm)}`);
      return { expired: auth.expireAccessTokens(body.realm as string | undefined) };
    }
    if (path === '/_sandbox/clock') {
      if (method === 'GET') return { now: new Date(clock.now()).toISOString() };
      if (method !== 'POST') return undefined;
      const seconds = body.advanceSeconds;
      if (typeof seconds !== 'number' || !(seconds >= 0)) throw new Error('expected {"advanceSeconds": N ≥ 0}');
      clock.advance(seconds * 1000);
      return { now: new Date(clock.now()).toISOString() };
    }
    if (method === 'POST' && path === '/_sandbox/webhooks') {
      hub.hold(body.hold === true);
      return { holding: hub.isHolding };
    }
    if (method === 'GET' && path === '/_sandbox/webhooks')
      return { holding: hub.isHolding, url: hub.url, format: hub.format, deliveries: hub.deliveries };
    if (method === 'POST' && path === '/_sandbox/webhooks/release') {
      const released = await hub.release({
        order: body.order === 'reverse' ? 'reverse' : 'fifo',
        duplicate: body.duplicate === true,
      });
      return { released };
    }
    if (method === 'POST' && path === '/_sandbox/faults') return { id: addFaultFromJson(parts, body) };
    if (method === 'DELETE' && path === '/_sandbox/faults') {
      faults.clear();
      parts.faultExtras.clear();
      return { cleared: true };
    }
    if (method === 'GET' && path === '/_sandbox/requests') return log;
    if (method === 'POST' && path === '/_sandbox/reset') {
      parts.reset();
      return { reset: true };
    }
    return undefined;
  }
}

class ControlError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * `{"method","path","status","body"?,"delayMs"?,"times"?:1,"drop"?,"afterCommit"?}`: `path` exact,
 * or a prefix ending in `*`. `status` and `drop` replace the work (nothing is written); `delayMs`
 * alone delays the answer after the work; `drop` with `afterCommit` resets the connection after the
 * work (a write done, its answer lost).
 */
export function addFaultFromJson(parts: Pick<ServerParts, 'faults' | 'faultExtras'>, json: Record<string, unknown>): string {
  const { body, drop, afterCommit } = json;
  const rule = controlFaultRule(json, () => {
    if (afterCommit !== undefined && (afterCommit !== true || drop !== true)) throw new Error('afterCommit goes with drop: true');
  });
  const id = parts.faults.add(rule);
  if (body !== undefined || afterCommit)
    parts.faultExtras.set(id, { ...(body !== undefined ? { body } : {}), ...(afterCommit ? { afterCommit: true } : {}) });
  return id;
}
