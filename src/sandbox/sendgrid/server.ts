/**
 * The HTTP server (node:http). `/v3/…` runs this pipeline:
 *
 *   request log → route (404) → auth (401) → `Accept` (406) → faults (delay, forced status) →
 *   JSON body (400, 413) → validation (400, 403) → accepted: 202 + `X-Message-Id`, events produced
 *   → a `drop` fault resets the connection instead of answering (the mail WAS sent: a lost answer)
 *
 * Every `/v3` answer carries `X-RateLimit-Limit`/`-Remaining`/`-Reset`. `/_sandbox/…` is the control
 * surface (`controls.ts`: JSON, no auth, not logged, no faults).
 */
import http from 'node:http';
import { logRequest, parseQuery, type RecordedRequest } from '../shared/request-log';
import { resetSocket } from '../shared/reset-socket';
import { accountForKey } from './accounts';
import { handleControl, type SandboxParts } from './controls';
import { checkMailSend, type ErrorEntry, isRefusal } from './mail-send';

/** A larger body answers 413 (SendGrid's own limit is 30 MB, far beyond any reminder). */
const MAX_BODY_BYTES = 1_000_000;
/** The figure each answer's `X-RateLimit-Limit` reports (the sandbox itself never answers 429 but by a fault). */
const RATE_LIMIT_PER_SECOND = 10_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function readBody(req: http.IncomingMessage, limit = MAX_BODY_BYTES): Promise<string | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) over = true;
      else chunks.push(chunk);
    });
    req.on('end', () => resolve(over ? null : Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

export function sendJson(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

function bearerKey(req: http.IncomingMessage): string | null {
  const auth = req.headers.authorization;
  const match = typeof auth === 'string' ? /^Bearer\s+(\S+)$/i.exec(auth) : null;
  return match?.[1] ?? null;
}

const errors = (list: Array<Partial<ErrorEntry> & { message: string }>) => ({
  errors: list.map((e) => ({ field: e.field ?? null, message: e.message, help: e.help ?? null })),
});

/** SendGrid's body for a forced status without one of its own. */
export function defaultFaultBody(status: number): unknown {
  if (status === 429) return errors([{ message: 'too many requests' }]);
  if (status >= 500) return errors([{ message: `Injected fault (${status}).` }]);
  return errors([{ message: `Injected fault (${status}).` }]);
}

export function createSendgridServer(parts: SandboxParts): http.Server {
  const { mailbox, faults, log } = parts;
  let second = 0;
  let used = 0;

  /** `X-RateLimit-*` for one answer: a fixed one-second window. */
  function rateHeaders(): Record<string, string> {
    const now = Math.floor(parts.now() / 1000);
    if (now !== second) {
      second = now;
      used = 0;
    }
    used++;
    return {
      'x-ratelimit-limit': String(RATE_LIMIT_PER_SECOND),
      'x-ratelimit-remaining': String(Math.max(0, RATE_LIMIT_PER_SECOND - used)),
      'x-ratelimit-reset': String(now + 1),
    };
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://sandbox.local');
    const path = url.pathname;
    const method = (req.method ?? 'GET').toUpperCase();
    const raw = method === 'GET' || method === 'HEAD' ? '' : await readBody(req);

    if (path.startsWith('/_sandbox/')) {
      await handleControl(parts, method, path, raw, res);
      return;
    }

    let parsed: unknown;
    try {
      parsed = raw ? JSON.parse(raw) : undefined;
    } catch {
      parsed = undefined;
    }
    const entry: RecordedRequest = {
      method,
      path,
      query: parseQuery(url.searchParams),
      headers: { ...req.headers },
      body: parsed,
      time: parts.now(),
      status: null,
      answeredAt: null,
    };
    logRequest(log, entry, res, () => parts.now());

    const headers = rateHeaders();
    if (path !== '/v3/mail/send' || method !== 'POST') {
      sendJson(res, 404, errors([{ message: `The sandbox serves POST /v3/mail/send only, not ${method} ${path}.` }]), headers);
      return;
    }
    const account = accountForKey(bearerKey(req));
    if (!account) {
      sendJson(res, 401, errors([{ message: 'The provided authorization grant is invalid, expired, or revoked' }]), headers);
      return;
    }
    if (!req.headers.accept) {
      sendJson(res, 406, errors([{ message: 'Missing Accept header.' }]), headers);
      return;
    }

    const decision = faults.decide(method, path);
    if (decision.latencyMs > 0) await sleep(decision.latencyMs);
    const extras = decision.ruleIds.map((id) => parts.faultExtras.get(id)).filter((e) => e !== undefined);
    if (decision.effect?.kind === 'status') {
      const status = decision.effect.status;
      const custom = extras.find((e) => e.body !== undefined)?.body;
      const forced = Object.assign({}, ...extras.map((e) => e.headers ?? {})) as Record<string, string>;
      sendJson(res, status, custom ?? defaultFaultBody(status), { ...headers, ...forced });
      return;
    }
    if (decision.effect?.kind === 'reset') {
      resetSocket(req.socket);
      return;
    }

    if (raw === null) {
      sendJson(res, 413, errors([{ message: 'Payload Too Large' }]), headers);
      return;
    }
    if (parsed === undefined) {
      sendJson(res, 400, errors([{ message: 'Bad Request', field: null }]), headers);
      return;
    }
    const checked = checkMailSend(parsed, account);
    if (isRefusal(checked)) {
      sendJson(res, checked.status, { errors: checked.errors }, headers);
      return;
    }
    const message = mailbox.accept(account, checked);
    if (extras.some((e) => e.drop)) {
      // Sent, but the answer is lost: what a timeout after SendGrid queued the mail looks like.
      resetSocket(req.socket);
      return;
    }
    res.writeHead(202, { ...headers, 'x-message-id': message.x_message_id, 'content-length': '0' });
    res.end();
  }

  return http.createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) sendJson(res, 500, errors([{ message: (error as Error).message }]));
      else res.destroy();
    });
  });
}
