/**
 * The `/_sandbox/…` control surface (JSON, no auth, not logged, no faults), as the wire format's
 * sandbox decisions list it, plus three conveniences marked *extra*:
 *
 * | control | effect |
 * |---|---|
 * | `PUT /_sandbox/webhook-url {"url","apiKey"?}` | where the account's (no `apiKey`: every account's) event batches go |
 * | `POST /_sandbox/messages/{x_message_id}/events {"event","url"?}` | `open`, `click`, `unsubscribe`, `group_unsubscribe`, `group_resubscribe`, `spamreport` on a sent message; unsubscribes update the lists |
 * | `POST` / `DELETE /_sandbox/suppressions {"email","group_id"?,"apiKey"?}` | add / remove a group suppression (with `group_id`) or a global unsubscribe, for the account or every account |
 * | `POST /_sandbox/webhooks {"hold":true}` | keep new events back (`false`: stop holding, keep what is held) |
 * | `POST /_sandbox/webhooks/release {"order":"fifo"\|"reverse","duplicate":bool}` | post each held event in its own delivery, in that order, twice with `duplicate` |
 * | `POST /_sandbox/faults {"method","path","status","body"?,"headers"?,"delayMs"?,"times"?:1,"drop"?:false}` | `path` exact, or a prefix ending in `*`; `drop`: the mail is sent and the connection reset (a lost answer) |
 * | `DELETE /_sandbox/faults` | clear them |
 * | `GET /_sandbox/requests` | the `/v3` request log |
 * | `GET /_sandbox/messages` | the sent log: recipient, template, data, custom args, outcome, events |
 * | `POST /_sandbox/reset` | forget everything but the accounts and their webhook URLs |
 * | *extra* `GET /_sandbox/webhooks` | the deliveries and their attempts |
 * | *extra* `POST /_sandbox/webhooks/flush` | close the open batch windows now |
 * | *extra* `GET /_sandbox/event-webhook-key` | `{"public_key"}`: the verification key |
 */
import type http from 'node:http';
import { z } from 'zod';
import type { FaultInjector, FaultRule } from '../shared/fault-injection';
import type { RecordedRequest } from '../shared/request-log';
import { accountForKey, EVENT_WEBHOOK_PUBLIC_KEY, SENDGRID_SANDBOX_ACCOUNTS, type SendgridAccount } from './accounts';
import { CONTROL_EVENTS, type Mailbox } from './mailbox';
import type { SendgridWebhookHub } from './webhooks';

/** Everything the server and its controls share. */
export interface SandboxParts {
  mailbox: Mailbox;
  webhooks: SendgridWebhookHub;
  faults: FaultInjector;
  /** Per fault rule id: the body and headers of its forced answer, and whether it drops the answer. */
  faultExtras: Map<string, { body?: unknown; headers?: Record<string, string>; drop?: boolean }>;
  log: RecordedRequest[];
  now(): number;
}

const apiKey = z.string().min(1).optional();
const webhookUrlBody = z.strictObject({ url: z.url({ protocol: /^https?$/ }), apiKey });
const messageEventBody = z.strictObject({ event: z.enum(CONTROL_EVENTS), url: z.url().optional() });
const suppressionBody = z.strictObject({ email: z.email(), group_id: z.number().int().positive().optional(), apiKey });
const holdBody = z.strictObject({ hold: z.boolean() });
const releaseBody = z.strictObject({ order: z.enum(['fifo', 'reverse']).default('fifo'), duplicate: z.boolean().default(false) });
export const faultBody = z
  .strictObject({
    method: z.string().min(1).optional(),
    path: z.string().min(1).optional(),
    status: z.number().int().min(100).max(599).optional(),
    body: z.unknown().optional(),
    headers: z.record(z.string(), z.string()).optional(),
    delayMs: z.number().nonnegative().optional(),
    times: z.number().int().positive().default(1),
    drop: z.boolean().default(false),
  })
  .refine((f) => f.status !== undefined || f.drop || f.delayMs !== undefined, 'a fault needs status, drop or delayMs');

export type FaultJson = z.input<typeof faultBody>;

/** A `/_sandbox/faults` body as a rule of the shared injector, its extras kept by rule id. */
export function addFault(parts: Pick<SandboxParts, 'faults' | 'faultExtras'>, json: unknown): string {
  const fault = faultBody.parse(json);
  const rule: FaultRule = { times: fault.times, retryAfterSeconds: null };
  if (fault.method) rule.method = fault.method;
  if (fault.path) {
    rule.path = fault.path.endsWith('*')
      ? fault.path.slice(0, -1)
      : new RegExp(`^${fault.path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`);
  }
  if (fault.status !== undefined) rule.status = fault.status;
  if (fault.delayMs !== undefined) rule.latencyMs = fault.delayMs;
  const id = parts.faults.add(rule);
  parts.faultExtras.set(id, { body: fault.body, headers: fault.headers, drop: fault.drop });
  return id;
}

export function resetAll(parts: SandboxParts): void {
  parts.mailbox.reset();
  parts.webhooks.reset();
  parts.faults.clear();
  parts.faultExtras.clear();
  parts.log.length = 0;
}

/** The accounts a control names (`apiKey`), or all of them; `null` for a key the sandbox does not know. */
function accountsOf(key: string | undefined): SendgridAccount[] | null {
  if (key === undefined) return Object.values(SENDGRID_SANDBOX_ACCOUNTS);
  const account = accountForKey(key);
  return account ? [account] : null;
}

function send(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body, null, 2);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

export async function handleControl(
  parts: SandboxParts,
  method: string,
  path: string,
  raw: string | null,
  res: http.ServerResponse,
): Promise<void> {
  const { mailbox, webhooks } = parts;
  const fail = (status: number, message: string) => send(res, status, { error: message });
  let json: unknown = {};
  try {
    json = raw ? JSON.parse(raw) : {};
  } catch {
    fail(400, 'expected a JSON body');
    return;
  }
  const parse = <T>(schema: z.ZodType<T>): T | null => {
    const result = schema.safeParse(json);
    if (result.success) return result.data;
    fail(400, result.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; '));
    return null;
  };

  if (method === 'PUT' && path === '/_sandbox/webhook-url') {
    const body = parse(webhookUrlBody);
    if (!body) return;
    const accounts = accountsOf(body.apiKey);
    if (!accounts) return fail(404, 'no account has that API key');
    for (const account of accounts) webhooks.setUrl(account.practiceId, body.url);
    return send(res, 200, { url: body.url, accounts: accounts.map((a) => a.practiceId) });
  }
  const messageEvent = /^\/_sandbox\/messages\/([^/]+)\/events$/.exec(path);
  if (method === 'POST' && messageEvent) {
    const body = parse(messageEventBody);
    if (!body) return;
    const message = mailbox.find(decodeURIComponent(messageEvent[1] ?? ''));
    if (!message) return fail(404, `no sent message ${messageEvent[1]}`);
    mailbox.emitControl(message, body.event, { url: body.url });
    return send(res, 200, { x_message_id: message.x_message_id, events: message.events });
  }
  if ((method === 'POST' || method === 'DELETE') && path === '/_sandbox/suppressions') {
    const body = parse(suppressionBody);
    if (!body) return;
    const accounts = accountsOf(body.apiKey);
    if (!accounts) return fail(404, 'no account has that API key');
    for (const account of accounts) mailbox.suppress(account.practiceId, body.email, body.group_id ?? null, method === 'POST');
    return send(res, 200, { email: body.email, group_id: body.group_id ?? null, suppressed: method === 'POST' });
  }
  if (method === 'POST' && path === '/_sandbox/webhooks') {
    const body = parse(holdBody);
    if (!body) return;
    webhooks.hold(body.hold);
    return send(res, 200, { holding: body.hold, held: webhooks.heldCount });
  }
  if (method === 'POST' && path === '/_sandbox/webhooks/release') {
    const body = parse(releaseBody);
    if (!body) return;
    return send(res, 200, { released: await webhooks.release(body) });
  }
  if (method === 'POST' && path === '/_sandbox/webhooks/flush') {
    webhooks.flush();
    return send(res, 200, { flushed: true });
  }
  if (method === 'GET' && path === '/_sandbox/webhooks') return send(res, 200, webhooks.deliveries);
  if (method === 'GET' && path === '/_sandbox/event-webhook-key') return send(res, 200, { public_key: EVENT_WEBHOOK_PUBLIC_KEY });
  if (method === 'POST' && path === '/_sandbox/faults') {
    try {
      return send(res, 200, { id: addFault(parts, json) });
    } catch (error) {
      return fail(
        400,
        error instanceof z.ZodError
          ? error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; ')
          : (error as Error).message,
      );
    }
  }
  if (method === 'DELETE' && path === '/_sandbox/faults') {
    parts.faults.clear();
    parts.faultExtras.clear();
    return send(res, 200, { cleared: true });
  }
  if (method === 'GET' && path === '/_sandbox/requests') return send(res, 200, parts.log);
  if (method === 'GET' && path === '/_sandbox/messages') return send(res, 200, mailbox.sent);
  if (method === 'POST' && path === '/_sandbox/reset') {
    resetAll(parts);
    return send(res, 200, { reset: true });
  }
  fail(404, `unknown control ${method} ${path}`);
}
