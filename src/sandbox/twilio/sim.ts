/**
 * The simulated account state: messages and their lifecycle, opt-outs, inbound keywords. The HTTP
 * layer (`server.ts`) decodes requests and answers; this decides.
 *
 * Lifecycle (the spec's decision): a message created through a Messaging Service answers `accepted`,
 * then its callbacks follow `stepDelayMs` apart: `queued`, `sent`, the final state; one created
 * with `From` answers `queued`, then `sent`, the final state. The final state is by `To`
 * (`DELIVERY_OUTCOMES`, else `delivered`); `date_sent` is set at `sent`.
 */
import { DELIVERY_OUTCOMES, E164, ERROR_MESSAGES, KEYWORDS, MAGIC_TO, type Refusal, type SeededAccount } from './accounts';
import type { CallbackHub } from './callbacks';
import { newSid, rawDlrDate, type SimMessage, segmentsOf } from './wire';

export class TwilioError extends Error {
  constructor(readonly refusal: Refusal) {
    super(refusal.message);
  }
}

const refuse = (code: number, message: string, status = 400): never => {
  throw new TwilioError({ code, status, message });
};

export interface CreateParams {
  To?: string;
  From?: string;
  MessagingServiceSid?: string;
  Body?: string;
  StatusCallback?: string;
}

export interface InboundResult {
  messageSid: string;
  accountSids: string[];
  optOutType: 'STOP' | 'START' | 'HELP' | null;
  /** Deliveries queued (one per account with an inbound URL). */
  deliveries: string[];
}

export class TwilioSim {
  /** Every message created (201), oldest first: the sandbox's sent log. */
  readonly sent: SimMessage[] = [];
  private readonly bySid = new Map<string, SimMessage>();
  private readonly optedOut = new Map<string, Set<string>>();
  private readonly inboundUrls = new Map<string, string>();
  private readonly timers = new Map<string, Set<NodeJS.Timeout>>();

  constructor(
    readonly accounts: readonly SeededAccount[],
    private readonly hub: CallbackHub,
    private readonly now: () => number,
    private readonly stepDelayMs: number,
  ) {}

  account(sid: string): SeededAccount | undefined {
    return this.accounts.find((a) => a.sid === sid);
  }

  message(accountSid: string, sid: string): SimMessage | undefined {
    const found = this.bySid.get(sid);
    return found?.accountSid === accountSid ? found : undefined;
  }

  messagesOf(accountSid: string): SimMessage[] {
    return this.sent.filter((m) => m.accountSid === accountSid);
  }

  /** Status steps still scheduled for a message (0 once it reached its last state). */
  pendingSteps(sid: string): number {
    return this.timers.get(sid)?.size ?? 0;
  }

  isOptedOut(accountSid: string, number: string): boolean {
    return this.optedOut.get(accountSid)?.has(number) ?? false;
  }

  /** Where inbound messages are posted: one account's, or every seeded account's when `accountSid` is absent. */
  setInboundUrl(url: string, accountSid?: string): void {
    for (const account of this.accounts) if (!accountSid || account.sid === accountSid) this.inboundUrls.set(account.sid, url);
  }

  create(account: SeededAccount, params: CreateParams): SimMessage {
    const to = params.To;
    if (!to) refuse(21604, "A 'To' phone number is required.");
    let from = account.sender;
    let serviceSid: string | null = null;
    if (params.MessagingServiceSid !== undefined) {
      if (params.MessagingServiceSid !== account.messagingServiceSid) {
        refuse(21701, `The Messaging Service Sid ${params.MessagingServiceSid} is invalid.`);
      }
      serviceSid = account.messagingServiceSid;
    }
    if (params.From !== undefined) {
      if (params.From !== account.sender)
        refuse(
          21606,
          `The From phone number ${params.From} is not a valid, SMS-capable inbound phone number or short code for your account.`,
        );
      from = params.From;
    } else if (serviceSid === null) {
      refuse(21603, "A 'From' or 'MessagingServiceSid' parameter is required to send a message.");
    }
    const body = params.Body ?? '';
    if (body.length === 0) refuse(21602, 'Message body is required.');
    if (body.length > 1600) refuse(21617, 'The concatenated message body exceeds the 1600 character limit.');
    if (!E164.test(to as string)) refuse(21211, `Invalid 'To' Phone Number: ${to}`);
    const magic = MAGIC_TO[to as string];
    if (magic) throw new TwilioError(magic);
    if (this.isOptedOut(account.sid, to as string)) refuse(21610, 'Attempt to send to unsubscribed recipient');
    const now = this.now();
    const message: SimMessage = {
      sid: newSid('SM'),
      accountSid: account.sid,
      to: to as string,
      from,
      messagingServiceSid: serviceSid,
      body,
      status: serviceSid ? 'accepted' : 'queued',
      errorCode: null,
      errorMessage: null,
      statusCallback: params.StatusCallback ?? null,
      numSegments: segmentsOf(body),
      dateCreated: now,
      dateSent: null,
      dateUpdated: now,
    };
    this.sent.push(message);
    this.bySid.set(message.sid, message);
    const outcome = DELIVERY_OUTCOMES[message.to] ?? { status: 'delivered' as const, errorCode: null };
    const steps: Array<{ status: string; errorCode: number | null }> = [
      ...(serviceSid ? [{ status: 'queued', errorCode: null }] : []),
      { status: 'sent', errorCode: null },
      ...(outcome.status ? [{ status: outcome.status, errorCode: outcome.errorCode }] : []),
    ];
    this.schedule(message, steps);
    return message;
  }

  /** Move `message` to `status` now and post its callback (the `/_sandbox/messages/{sid}/status` control). */
  force(message: SimMessage, status: string, errorCode: number | null): void {
    this.cancel(message.sid);
    this.apply(message, status, errorCode);
  }

  /** A reply from `from` to `to` (the sender number or a Messaging Service): keyword rules, then the signed inbound POSTs. */
  inbound(input: { from: string; to: string; body: string; accountSid?: string }): InboundResult {
    const accounts = this.accounts.filter(
      (a) => (a.sender === input.to || a.messagingServiceSid === input.to) && (!input.accountSid || a.sid === input.accountSid),
    );
    const optOutType = KEYWORDS[input.body.trim().toUpperCase()] ?? null;
    const messageSid = newSid('SM');
    const deliveries: string[] = [];
    for (const account of accounts) {
      const set = this.optedOut.get(account.sid) ?? new Set<string>();
      if (optOutType === 'STOP') set.add(input.from);
      if (optOutType === 'START') set.delete(input.from);
      this.optedOut.set(account.sid, set);
      const url = this.inboundUrls.get(account.sid);
      if (!url) continue;
      const params: Array<[string, string]> = [
        ['ToCountry', 'US'],
        ['SmsMessageSid', messageSid],
        ['NumMedia', '0'],
        ['SmsSid', messageSid],
        ['SmsStatus', 'received'],
        ['Body', input.body],
        ['To', account.sender],
        ['MessagingServiceSid', account.messagingServiceSid],
        ['NumSegments', '1'],
        ['MessageSid', messageSid],
        ['AccountSid', account.sid],
        ['From', input.from],
        ['ApiVersion', '2010-04-01'],
        ...(optOutType ? [['OptOutType', optOutType] as [string, string]] : []),
      ];
      const delivery = this.hub.enqueue({ kind: 'inbound', messageSid, status: 'received', url, params }, account.authToken);
      deliveries.push(delivery.id);
    }
    return { messageSid, accountSids: accounts.map((a) => a.sid), optOutType, deliveries };
  }

  reset(): void {
    for (const sid of [...this.timers.keys()]) this.cancel(sid);
    this.sent.length = 0;
    this.bySid.clear();
    this.optedOut.clear();
    this.inboundUrls.clear();
  }

  private schedule(message: SimMessage, steps: Array<{ status: string; errorCode: number | null }>): void {
    const timers = new Set<NodeJS.Timeout>();
    this.timers.set(message.sid, timers);
    steps.forEach((step, i) => {
      const timer = setTimeout(
        () => {
          timers.delete(timer);
          if (timers.size === 0) this.timers.delete(message.sid);
          this.apply(message, step.status, step.errorCode);
        },
        this.stepDelayMs * (i + 1),
      );
      timers.add(timer);
    });
  }

  private cancel(sid: string): void {
    for (const timer of this.timers.get(sid) ?? []) clearTimeout(timer);
    this.timers.delete(sid);
  }

  private apply(message: SimMessage, status: string, errorCode: number | null): void {
    const now = this.now();
    message.status = status;
    message.dateUpdated = now;
    if (status === 'sent' && message.dateSent === null) message.dateSent = now;
    message.errorCode = errorCode;
    message.errorMessage = errorCode === null ? null : (ERROR_MESSAGES[errorCode] ?? `Error ${errorCode}`);
    const account = this.account(message.accountSid);
    if (!message.statusCallback || !account) return;
    const params: Array<[string, string]> = [
      ['SmsSid', message.sid],
      ['SmsStatus', status],
      ['MessageStatus', status],
      ['To', message.to],
      ...(message.messagingServiceSid ? [['MessagingServiceSid', message.messagingServiceSid] as [string, string]] : []),
      ['MessageSid', message.sid],
      ['AccountSid', message.accountSid],
      ['From', message.from],
      ['ApiVersion', '2010-04-01'],
      ...(errorCode !== null ? [['ErrorCode', String(errorCode)] as [string, string]] : []),
      ...(status === 'delivered' || status === 'undelivered' ? [['RawDlrDoneDate', rawDlrDate(now)] as [string, string]] : []),
    ];
    this.hub.enqueue({ kind: 'status', messageSid: message.sid, status, url: message.statusCallback, params }, account.authToken);
  }
}
