/**
 * Twilio's words in the port's (`../port.ts`): message statuses, error codes, the opt-out keywords.
 * Data, so the adapter, the webhook parser and the tests read the same tables.
 */
import type { MessageStatusRecord, RecipientFlag, ReminderStatus } from '../port';

/**
 * A message status as a reminder status. The port's mapping: `accepted`/`queued`/`sending`
 * (and `scheduled`) have not reached the carrier yet (`QUEUED`); `sent` (and an MMS's
 * `partially_delivered`) reached it (`SENT`); `delivered`/`read` are `DELIVERED`;
 * `undelivered`/`failed`/`canceled` are `FAILED`. Inbound statuses (`receiving`, `received`) and
 * unknown words are `null`: they say nothing about a reminder.
 */
const STATUS: Record<string, ReminderStatus> = {
  accepted: 'QUEUED',
  scheduled: 'QUEUED',
  queued: 'QUEUED',
  sending: 'QUEUED',
  sent: 'SENT',
  partially_delivered: 'SENT',
  delivered: 'DELIVERED',
  read: 'DELIVERED',
  undelivered: 'FAILED',
  failed: 'FAILED',
  canceled: 'FAILED',
};

export function reminderStatusOf(twilioStatus: string): ReminderStatus | null {
  return STATUS[twilioStatus] ?? null;
}

/** What one Twilio error code means for a reminder and its recipient. */
export interface ErrorMeaning {
  /** For staff (`failureReason`). */
  reason: string;
  status: 'FAILED' | 'SUPPRESSED';
  recipient: RecipientFlag | null;
}

/**
 * The codes the gateway tells apart. Synchronous refusals of a recipient (HTTP 400 on create):
 * 21211, 21408, 21610, 21612, 21614; asynchronous (`ErrorCode` of a `failed`/`undelivered`
 * callback): 300xx. 21610 (the number sent STOP) is `SUPPRESSED` and opts the number out;
 * 21211, 21614 and 30006 mark it invalid for SMS.
 */
export const ERROR_MEANINGS: Readonly<Record<string, ErrorMeaning>> = {
  '21211': { reason: 'invalid number', status: 'FAILED', recipient: 'INVALID' },
  '21408': { reason: 'region not permitted', status: 'FAILED', recipient: null },
  '21610': { reason: 'unsubscribed', status: 'SUPPRESSED', recipient: 'OPTED_OUT' },
  '21612': { reason: 'not reachable from this sender', status: 'FAILED', recipient: null },
  '21614': { reason: 'not a mobile number', status: 'FAILED', recipient: 'INVALID' },
  '30003': { reason: 'unreachable handset', status: 'FAILED', recipient: null },
  '30004': { reason: 'message blocked', status: 'FAILED', recipient: null },
  '30005': { reason: 'unknown destination', status: 'FAILED', recipient: null },
  '30006': { reason: 'landline or unreachable carrier', status: 'FAILED', recipient: 'INVALID' },
  '30007': { reason: 'carrier filtering', status: 'FAILED', recipient: null },
  '30008': { reason: 'unknown delivery error', status: 'FAILED', recipient: null },
};

/** The synchronous codes that refuse this recipient (`REFUSED`), rather than our request (`UpstreamError`). */
export const RECIPIENT_REFUSALS: ReadonlySet<string> = new Set(['21211', '21408', '21610', '21612', '21614']);

/**
 * Why a `FAILED` message failed, with what it says about the recipient: the table's meaning of its
 * error code, else the code itself, else the status word (`canceled`).
 */
export function failureOf(twilioStatus: string, errorCode: string | null): ErrorMeaning {
  const known = errorCode ? ERROR_MEANINGS[errorCode] : undefined;
  if (known) return known;
  return { reason: errorCode ? `${twilioStatus} (error ${errorCode})` : twilioStatus, status: 'FAILED', recipient: null };
}

/** A message read (`getMessage`, `findSent`) in the port's words; `null` when its status is not an outbound one. */
export function statusRecord(message: {
  sid: string;
  status: string;
  errorCode: number | null;
  dateSent: Date | null;
}): MessageStatusRecord | null {
  const status = reminderStatusOf(message.status);
  if (status === null) return null;
  const errorCode = message.errorCode === null ? null : String(message.errorCode);
  const failure = status === 'FAILED' ? failureOf(message.status, errorCode) : null;
  return {
    providerMessageId: message.sid,
    reminderId: null,
    status: failure?.status ?? status,
    sentAt: message.dateSent ? message.dateSent.toISOString() : null,
    failureReason: failure?.reason ?? null,
    errorCode: failure ? errorCode : null,
    recipient: failure?.recipient ?? null,
  };
}

/**
 * Twilio's English keywords (long codes and toll-free numbers): the whole message, trimmed,
 * case-insensitive. Anything else, `HELP` included, changes nothing about the recipient.
 */
export const OPT_OUT_KEYWORDS = ['STOP', 'STOPALL', 'UNSUBSCRIBE', 'CANCEL', 'END', 'QUIT', 'REVOKE', 'OPTOUT'] as const;
export const OPT_IN_KEYWORDS = ['START', 'YES', 'UNSTOP'] as const;
export const HELP_KEYWORDS = ['HELP', 'INFO'] as const;

export type KeywordKind = 'STOP' | 'START' | 'HELP';

export function keywordOf(body: string): KeywordKind | null {
  const word = body.trim().toUpperCase();
  if ((OPT_OUT_KEYWORDS as readonly string[]).includes(word)) return 'STOP';
  if ((OPT_IN_KEYWORDS as readonly string[]).includes(word)) return 'START';
  if ((HELP_KEYWORDS as readonly string[]).includes(word)) return 'HELP';
  return null;
}
