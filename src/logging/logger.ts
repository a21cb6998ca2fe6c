/**
 * Structured JSON logs (pino). Patient data never reaches a log line: the redaction list below
 * censors names, emails, dates of birth and card fields wherever they appear in a logged object, and
 * the code logs ids, never records. Keep it that way: log `{ patientId }`, not `{ patient }`.
 */
import { pino, type Logger } from 'pino';

export type { Logger };

/** Paths censored in every log line (pino's redact syntax). */
export const REDACTED_PATHS = [
  '*.firstName',
  '*.lastName',
  '*.name',
  '*.email',
  '*.dateOfBirth',
  '*.dob',
  '*.card',
  '*.number',
  '*.cvv',
  '*.nameOnCard',
  '*.billingAddress',
  '*.billingZip',
  'req.headers.authorization',
  '*.authorization',
  '*.apiKey',
  '*.clientSecret',
  '*.secret',
];

export interface LoggerOptions {
  /** pino level. Default `info`. */
  level?: string;
  /** Where lines go. Default stdout. */
  destination?: NodeJS.WritableStream;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  return pino(
    {
      level: options.level ?? 'info',
      base: { service: 'ledger-gateway' },
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    },
    options.destination as never,
  );
}
