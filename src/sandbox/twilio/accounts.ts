/**
 * The sandbox's seeded accounts, its magic numbers and its delivery outcomes: the decisions of the
 * team's Twilio wire-format spec, as data (see `README.md` here).
 */

export interface SeededAccount {
  sid: string;
  authToken: string;
  messagingServiceSid: string;
  /** The one sender number of the account (also its Messaging Service's). */
  sender: string;
}

export const TWILIO_SANDBOX_ACCOUNTS = {
  smileDental: {
    sid: 'AC00000000000000000000000000000001',
    authToken: 'sandboxauthtokensmiledental00001',
    messagingServiceSid: 'MG00000000000000000000000000000001',
    sender: '+15005550006',
  },
  northside: {
    sid: 'AC00000000000000000000000000000002',
    authToken: 'sandboxauthtokennorthside0000002',
    messagingServiceSid: 'MG00000000000000000000000000000002',
    sender: '+15005550006',
  },
} as const satisfies Record<string, SeededAccount>;

/** A synchronous refusal: Twilio's code, HTTP status and message. */
export interface Refusal {
  code: number;
  status: number;
  message: string;
}

/** `To` numbers refused on create, as with Twilio's test credentials. */
export const MAGIC_TO: Readonly<Record<string, Refusal>> = {
  '+15005550001': { code: 21211, status: 400, message: "Invalid 'To' Phone Number: +15005550001" },
  '+15005550002': {
    code: 21612,
    status: 400,
    message:
      "The 'To' phone number: +15005550002, is not currently reachable using the 'From' phone number: +15005550006 via SMS.",
  },
  '+15005550003': {
    code: 21408,
    status: 400,
    message: "Permission to send an SMS has not been enabled for the region indicated by the 'To' number: +15005550003.",
  },
  '+15005550004': { code: 21610, status: 400, message: 'Attempt to send to unsubscribed recipient' },
  '+15005550009': { code: 21614, status: 400, message: "'To' number +15005550009 is not a valid mobile number" },
};

/** How an accepted message ends, by its `To` (any other valid number: `delivered`). */
export const DELIVERY_OUTCOMES: Readonly<Record<string, { status: 'undelivered' | 'failed' | null; errorCode: number | null }>> =
  {
    '+15550100002': { status: 'undelivered', errorCode: 30003 },
    '+15550100003': { status: 'failed', errorCode: 30006 },
    /** Stays `sent`: the carrier never confirms. */
    '+15550100004': { status: null, errorCode: null },
  };

export const ERROR_MESSAGES: Readonly<Record<number, string>> = {
  30003: 'Unreachable destination handset',
  30006: 'Landline or unreachable carrier',
};

/** Twilio's English keywords: the whole message, trimmed, case-insensitive. */
export const KEYWORDS: Readonly<Record<string, 'STOP' | 'START' | 'HELP'>> = Object.fromEntries([
  ...['STOP', 'STOPALL', 'UNSUBSCRIBE', 'CANCEL', 'END', 'QUIT', 'REVOKE', 'OPTOUT'].map((w) => [w, 'STOP' as const]),
  ...['START', 'YES', 'UNSTOP'].map((w) => [w, 'START' as const]),
  ...['HELP', 'INFO'].map((w) => [w, 'HELP' as const]),
]);

export const E164 = /^\+[1-9]\d{1,14}$/;
