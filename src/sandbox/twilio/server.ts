/**
 * The HTTP server (node:http) and its pipeline for `/2010-04-01/…`:
 *
 *   request log → route (404 `20404`) → Basic auth (401 `20003`) → faults (delay, forced status,
 *   dropped connection) → handler (400 with Twilio's code, 201/200)
 *
 * A `delayMs` fault delays the answer, not the work: the message is created while the client may
 * already have given up (a lost answer). `/_sandbox/…` is the control surface (JSON, no auth, not
 * logged, no faults): see `README.md` here.
 */
import http from 'node:http';
import type { FaultInjector } from '../shared/fault-injection';
import { logRequest, parseQuery, type RecordedRequest } from '../shared/request-log';
import type { SeededAccount } from './accounts';
import type { CallbackHub } from './callbacks';
import { listMessages } from './listing';
import { type TwilioSim, TwilioError } from './sim';
import { errorJson, messageJson } from './wire';
import { readBody, sleep } from '../shared/http-body';
import { addControlFault } from '../shared/control-fault';
import { resetSocket } from '../shared/reset-socket';

/** One request as the sandbox saw it: the shared log entry plus the decoded form pairs, for wire checks. */
export interface TwilioRecordedRequest extends RecordedRequest {
  /** The decoded `name=value` pairs of the body (POST) or query (GET), in order. */
  form: Array<[string, string]>;
  /** The Basic auth user name (AccountSid or API key SID), `null` without one. */
  authUser: string | null;
}

export interface ServerParts {
  sim: TwilioSim;
  hub: CallbackHub;
  faults: FaultInjector;
  /** Bodies of forced statuses, by fault rule id (from `/_sandbox/faults`' `body`). */
  faultBodies: Map<string, unknown>;
  log: TwilioRecordedRequest[];
  now(): number;
}

function sendJson(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

/** `Basic base64(user:password)` → both; `null` for anything else. */
function basicAuth(req: http.IncomingMessage): { user: string; password: string } | null {
  const auth = req.headers.authorization;
  if (!auth?.toLowerCase().startsWith('basic ')) return null;
  const decoded = Buffer.from(auth.slice(6).trim(), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? null : { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

export function defaultFaultBody(status: number): unknown {
  if (status === 429) return errorJson(20429, 429, 'Too Many Requests');
  if (status >= 500) return errorJson(20500, status, 'Internal Server Error');
  return errorJson(20001, status, `Injected fault (${status})`);
}

const MESSAGES = /^\/2010-04-01\/Accounts\/([^/]+)\/Messages\.json$/;
const MESSAGE = /^\/2010-04-01\/Accounts\/([^/]+)\/Messages\/([^/]+)\.json$/;

export function createTwilioServer(parts: ServerParts): http.Server {
  const { sim, hub, faults, log } = parts;

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://sandbox.local');
    const path = url.pathname;
    const method = (req.method ?? 'GET').toUpperCase();
    const raw = method === 'GET' || method === 'HEAD' ? '' : await readBody(req);
    if (path.startsWith('/_sandbox/')) {
      await control(method, path, raw, res);
      return;
    }
    const formText = method === 'GET' ? url.search.slice(1) : raw;
    const form: Array<[string, string]> = [...new URLSearchParams(formText)];
    const auth = basicAuth(req);
    const entry: TwilioRecordedRequest = {
      method,
      path,
      query: parseQuery(url.searchParams),
      headers: { ...req.headers },
      body: method === 'GET' ? undefined : Object.fromEntries(form),
      form,
      authUser: auth?.user ?? null,
      time: parts.now(),
      status: null,
      answeredAt: null,
    };
    logRequest(log, entry, res, () => parts.now());

    const list = MESSAGES.exec(path);
    const one = MESSAGE.exec(path);
    const accountSid = decodeURIComponent((list ?? one)?.[1] ?? '');
    if ((!list || (method !== 'POST' && method !== 'GET')) && (!one || method !== 'GET')) {
      sendJson(res, 404, errorJson(20404, 404, `The requested resource ${path} was not found`));
      return;
    }
    const account = sim.account(accountSid);
    if (!auth || !account || auth.user !== account.sid || auth.password !== account.authToken) {
      sendJson(res, 401, errorJson(20003, 401, 'Authenticate'), { 'www-authenticate': 'Basic realm="Twilio API"' });
      return;
    }

    const decision = faults.decide(method, path);
    if (decision.effect?.kind === 'reset') {
      if (decision.latencyMs > 0) await sleep(decision.latencyMs);
      resetSocket(req.socket);
      return;
    }
    if (decision.effect?.kind === 'status') {
      if (decision.latencyMs > 0) await sleep(decision.latencyMs);
      const status = decision.effect.status;
      const custom = decision.ruleIds.map((id) => parts.faultBodies.get(id)).find((b) => b !== undefined);
      sendJson(res, status, custom ?? defaultFaultBody(status), status === 429 ? { 'retry-after': '1' } : {});
      return;
    }
    // The work happens now; only the answer waits (a client that times out has still sent the message).
    let answer: { status: number; body: unknown };
    try {
      answer = route(method, account, list !== null, decodeURIComponent(one?.[2] ?? ''), form);
    } catch (error) {
      if (!(error instanceof TwilioError)) throw error;
      answer = { status: error.refusal.status, body: errorJson(error.refusal.code, error.refusal.status, error.refusal.message) };
    }
    if (decision.latencyMs > 0) await sleep(decision.latencyMs);
    if (decision.effect?.kind === 'malformed') {
      res.writeHead(answer.status, { 'content-type': 'application/json' });
      res.end('{"sid": "SM');
      return;
    }
    sendJson(res, answer.status, answer.body);
  }

  function route(
    method: string,
    account: SeededAccount,
    isList: boolean,
    messageSid: string,
    form: Array<[string, string]>,
  ): { status: number; body: unknown } {
    const params = Object.fromEntries(form) as Record<string, string | undefined>;
    if (isList && method === 'POST') {
      return { status: 201, body: messageJson(sim.create(account, params)) };
    }
    if (isList) return { status: 200, body: listMessages(sim.messagesOf(account.sid), account.sid, params) };
    const message = sim.message(account.sid, messageSid);
    if (!message)
      throw new TwilioError({
        code: 20404,
        status: 404,
        message: `The requested resource /2010-04-01/Accounts/${account.sid}/Messages/${messageSid}.json was not found`,
      });
    return { status: 200, body: messageJson(message) };
  }

  async function control(method: string, path: string, raw: string, res: http.ServerResponse): Promise<void> {
    let body: Record<string, unknown> = {};
    if (raw.trim()) {
      try {
        body = JSON.parse(raw) as Record<string, unknown>;
      } catch {
        sendJson(res, 400, { error: 'body must be JSON' });
        return;
      }
    }
    const fail = (status: number, message: string) => sendJson(res, status, { error: message });
    const force = method === 'POST' ? /^\/_sandbox\/messages\/([^/]+)\/status$/.exec(path) : null;
    if (force) {
      const sid = decodeURIComponent(force[1] ?? '');
      const message = sim.accounts.map((a) => sim.message(a.sid, sid)).find((m) => m !== undefined);
      if (!message) return fail(404, `no message ${sid}`);
      const { status, errorCode } = body;
      if (typeof status !== 'string' || !status) return fail(400, 'expected {"status": "delivered"|…, "errorCode"?: 30003}');
      if (errorCode !== undefined && (typeof errorCode !== 'number' || !Number.isInteger(errorCode)))
        return fail(400, 'errorCode must be an integer');
      sim.force(message, status, (errorCode as number | undefined) ?? null);
      return sendJson(res, 200, messageJson(message));
    }
    if (method === 'POST' && path === '/_sandbox/inbound') {
      const { from, to, body: text, accountSid } = body;
      if (typeof from !== 'string' || typeof to !== 'string' || typeof text !== 'string') {
        return fail(400, 'expected {"from": "+1555…", "to": "<sender or MG sid>", "body": "STOP"}');
      }
      const result = sim.inbound({ from, to, body: text, ...(typeof accountSid === 'string' ? { accountSid } : {}) });
      if (result.accountSids.length === 0) return fail(404, `no seeded account sends from ${to}`);
      return sendJson(res, 200, result);
    }
    if (method === 'PUT' && path === '/_sandbox/webhook-url') {
      const { url, accountSid } = body;
      if (typeof url !== 'string' || !/^https?:\/\//.test(url))
        return fail(400, 'expected {"url": "http(s)://…", "accountSid"?: "AC…"}');
      if (accountSid !== undefined && (typeof accountSid !== 'string' || !sim.account(accountSid)))
        return fail(404, 'no such seeded account');
      sim.setInboundUrl(url, accountSid as string | undefined);
      return sendJson(res, 200, { url, accountSid: accountSid ?? null });
    }
    if (method === 'POST' && path === '/_sandbox/webhooks') {
      hub.hold(body.hold === true);
      return sendJson(res, 200, { holding: hub.isHolding });
    }
    if (method === 'GET' && path === '/_sandbox/webhooks')
      return sendJson(res, 200, { holding: hub.isHolding, deliveries: hub.deliveries });
    if (method === 'POST' && path === '/_sandbox/webhooks/release') {
      const released = await hub.release({
        order: body.order === 'reverse' ? 'reverse' : 'fifo',
        duplicate: body.duplicate === true,
      });
      return sendJson(res, 200, { released });
    }
    if (method === 'POST' && path === '/_sandbox/faults') {
      try {
        return sendJson(res, 200, { id: addFaultFromJson(parts, body) });
      } catch (error) {
        return fail(400, (error as Error).message);
      }
    }
    if (method === 'DELETE' && path === '/_sandbox/faults') {
      faults.clear();
      parts.faultBodies.clear();
      return sendJson(res, 200, { cleared: true });
    }
    if (method === 'GET' && path === '/_sandbox/requests') {
      return sendJson(
        res,
        200,
        log.map(({ method, path, query, headers, body, form, authUser, time, status }) => ({
          method,
          path,
          query,
          headers,
          body,
          form,
          authUser,
          time,
          status,
        })),
      );
    }
    if (method === 'GET' && path === '/_sandbox/sent') return sendJson(res, 200, sim.sent.map(messageJson));
    if (method === 'POST' && path === '/_sandbox/reset') {
      resetAll(parts);
      return sendJson(res, 200, { reset: true });
    }
    fail(404, `unknown control ${method} ${path}`);
  }

  return http.createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) sendJson(res, 500, errorJson(20500, 500, (error as Error).message));
      else res.destroy();
    });
  });
}

/** `{"method","path","status","body"?,"delayMs"?,"times"?:1,"drop"?:false}`; `path` exact, or a prefix ending in `*`. */
export function addFaultFromJson(parts: Pick<ServerParts, 'faults' | 'faultBodies'>, json: Record<string, unknown>): string {
  return addControlFault(parts, json);
}

export function resetAll(parts: ServerParts): void {
  parts.sim.reset();
  parts.hub.reset();
  parts.faults.clear();
  parts.faultBodies.clear();
  parts.log.length = 0;
}
