/**
 * What happens to mail after `202`: the sent log, each account's suppression lists, and the events
 * every accepted message produces, by its recipient's domain (RFC 2606 `.test`):
 *
 * | recipient | events |
 * |---|---|
 * | suppressed (group or global unsubscribe, spam report, earlier hard bounce) | `dropped` only (`Unsubscribed Address`, `Spam Reporting Address`, `Bounced Address`) |
 * | `@bounce.test` | `processed`, `bounce` (`type: bounce`, `5.1.1`): the address joins the bounce list |
 * | `@blocked.test` | `processed`, `bounce` (`type: blocked`) |
 * | `@defer.test` | `processed`, `deferred` (`attempt: "1"`), `delivered` |
 * | `@spam.test` | `processed`, `delivered`, `spamreport`: the address joins the spam list |
 * | anything else | `processed`, `delivered` |
 *
 * Events carry the message's `category` (a string for one, an array for several), its
 * `asm_group_id` and every custom arg as a top-level key, as SendGrid's do.
 */
import { randomBytes } from 'node:crypto';
import type { SendgridAccount } from './accounts';
import type { AcceptedMail } from './mail-send';

export type SendgridEventJson = Record<string, unknown> & { event: string; email: string; sg_event_id: string };

/** One accepted message, as `GET /_sandbox/messages` lists it. */
export interface SentMessage {
  x_message_id: string;
  /** The account's practice id. */
  account: string;
  received_at: string;
  to: { email: string; name: string | null };
  from: { email: string; name: string | null };
  template_id: string;
  dynamic_template_data: Record<string, unknown>;
  custom_args: Record<string, string>;
  categories: string[];
  asm_group_id: number | null;
  /** `delivered`, `bounced`, `blocked` or `dropped`: what the recipient got. */
  outcome: 'delivered' | 'bounced' | 'blocked' | 'dropped';
  /** The names of the events it produced, in order (controls add to them). */
  events: string[];
}

/** One account's suppression lists, by lower-cased address. */
interface Suppressions {
  unsubscribes: Set<string>;
  spamReports: Set<string>;
  bounces: Set<string>;
  /** Group id → its unsubscribed addresses. */
  groups: Map<number, Set<string>>;
}

/** A control event on a sent message (`POST /_sandbox/messages/{id}/events`). */
export type ControlEvent = 'open' | 'click' | 'unsubscribe' | 'group_unsubscribe' | 'group_resubscribe' | 'spamreport';
export const CONTROL_EVENTS: readonly ControlEvent[] = [
  'open',
  'click',
  'unsubscribe',
  'group_unsubscribe',
  'group_resubscribe',
  'spamreport',
];

/** SendGrid's ids look like 22 URL-safe base64 characters. */
export const randomSendgridId = (): string => randomBytes(16).toString('base64url').slice(0, 22);

export class Mailbox {
  readonly sent: SentMessage[] = [];
  private readonly lists = new Map<string, Suppressions>();
  private sink: (account: string, event: SendgridEventJson) => void = () => {};

  constructor(private readonly now: () => number = Date.now) {}

  /** Where produced events go (the webhook hub), by account practice id. */
  onEvent(sink: (account: string, event: SendgridEventJson) => void): void {
    this.sink = sink;
  }

  /** Accept one checked message: log it, then produce its events. Answers the `X-Message-Id`. */
  accept(account: SendgridAccount, mail: AcceptedMail): SentMessage {
    const message: SentMessage = {
      x_message_id: randomSendgridId(),
      account: account.practiceId,
      received_at: new Date(this.now()).toISOString(),
      to: mail.to,
      from: mail.from,
      template_id: mail.templateId,
      dynamic_template_data: mail.dynamicTemplateData,
      custom_args: mail.customArgs,
      categories: mail.categories,
      asm_group_id: mail.asmGroupId,
      outcome: 'delivered',
      events: [],
    };
    this.sent.push(message);
    const email = mail.to.email.toLowerCase();
    const dropReason = this.suppressionOf(account.practiceId, email, mail.asmGroupId);
    if (dropReason) {
      message.outcome = 'dropped';
      this.emit(message, 'dropped', { reason: dropReason });
      return message;
    }
    this.emit(message, 'processed', {});
    const domain = email.slice(email.lastIndexOf('@') + 1);
    if (domain === 'bounce.test') {
      message.outcome = 'bounced';
      this.suppressions(account.practiceId).bounces.add(email);
      this.emit(message, 'bounce', {
        type: 'bounce',
        status: '5.1.1',
        reason: '550 5.1.1 user unknown',
        bounce_classification: 'Invalid Address',
      });
    } else if (domain === 'blocked.test') {
      message.outcome = 'blocked';
      this.emit(message, 'bounce', {
        type: 'blocked',
        status: '5.7.1',
        reason: '554 5.7.1 blocked by the receiving server',
        bounce_classification: 'Reputation',
      });
    } else {
      if (domain === 'defer.test') this.emit(message, 'deferred', { response: '451 4.7.1 try again later', attempt: '1' });
      this.emit(message, 'delivered', { response: '250 OK' });
      if (domain === 'spam.test') this.emitControl(message, 'spamreport', {});
    }
    return message;
  }

  /** A control event on a sent message; unsubscribes and spam reports update the lists. */
  emitControl(message: SentMessage, event: ControlEvent, extra: { url?: string }): void {
    const lists = this.suppressions(message.account);
    const email = message.to.email.toLowerCase();
    const group = message.asm_group_id;
    if (event === 'unsubscribe') lists.unsubscribes.add(email);
    if (event === 'spamreport') lists.spamReports.add(email);
    if (event === 'group_unsubscribe' && group !== null) this.groupList(lists, group).add(email);
    if (event === 'group_resubscribe' && group !== null) this.groupList(lists, group).delete(email);
    const fields: Record<string, unknown> = {};
    if (event === 'open' || event === 'click') Object.assign(fields, { useragent: 'Mozilla/5.0 (sandbox)', ip: '192.0.2.1' });
    if (event === 'click') fields.url = extra.url ?? String(message.dynamic_template_data.pay_url ?? 'https://example.test/');
    this.emit(message, event, fields);
  }

  /** `POST`/`DELETE /_sandbox/suppressions`: a group suppression with `groupId`, else the global unsubscribe list. */
  suppress(account: string, email: string, groupId: number | null, on: boolean): void {
    const lists = this.suppressions(account);
    const list = groupId === null ? lists.unsubscribes : this.groupList(lists, groupId);
    if (on) list.add(email.toLowerCase());
    else list.delete(email.toLowerCase());
  }

  find(xMessageId: string): SentMessage | undefined {
    return this.sent.find((m) => m.x_message_id === xMessageId);
  }

  reset(): void {
    this.sent.length = 0;
    this.lists.clear();
  }

  private suppressionOf(account: string, email: string, group: number | null): string | null {
    const lists = this.suppressions(account);
    if (lists.unsubscribes.has(email) || (group !== null && this.groupList(lists, group).has(email)))
      return 'Unsubscribed Address';
    if (lists.spamReports.has(email)) return 'Spam Reporting Address';
    if (lists.bounces.has(email)) return 'Bounced Address';
    return null;
  }

  private suppressions(account: string): Suppressions {
    let lists = this.lists.get(account);
    if (!lists) {
      lists = { unsubscribes: new Set(), spamReports: new Set(), bounces: new Set(), groups: new Map() };
      this.lists.set(account, lists);
    }
    return lists;
  }

  private groupList(lists: Suppressions, group: number): Set<string> {
    let list = lists.groups.get(group);
    if (!list) {
      list = new Set();
      lists.groups.set(group, list);
    }
    return list;
  }

  private emit(message: SentMessage, event: string, fields: Record<string, unknown>): void {
    message.events.push(event);
    const category = message.categories.length === 1 ? message.categories[0] : message.categories;
    // Custom args first: SendGrid's own keys win over a custom arg of the same name.
    const json: SendgridEventJson = {
      ...message.custom_args,
      email: message.to.email,
      timestamp: Math.floor(this.now() / 1000),
      'smtp-id': `<${message.x_message_id}@ismtpd-sandbox>`,
      event,
      ...(message.categories.length > 0 ? { category } : {}),
      sg_event_id: randomSendgridId(),
      sg_message_id: `${message.x_message_id}.recvd-sandbox-1-${message.events.length - 1}`,
      ...(message.asm_group_id !== null ? { asm_group_id: message.asm_group_id } : {}),
      ...fields,
    };
    this.sink(message.account, json);
  }
}
