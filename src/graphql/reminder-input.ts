/**
 * `SendReminderInput` and `StartBillingCycleInput` beyond their GraphQL types, validated with zod:
 * at least one channel, each once; a positive decimal `minBalance`; ids and keys of printable ASCII.
 * A failure is BAD_USER_INPUT naming the field, through `parseInput`, before anything is read or stored.
 */
import { z } from 'zod';
import { amountText, idempotencyKey } from './inputs';

const id = z
  .string()
  .min(1, 'expected a non-empty id')
  .max(64, 'expected an id of at most 64 characters')
  .regex(/^[\x21-\x7e]+$/, 'expected an id of printable ASCII without spaces');

const channels = z
  .array(z.enum(['SMS', 'EMAIL']))
  .min(1, 'expected at least one channel')
  .refine((list) => new Set(list).size === list.length, 'expected each channel at most once');

export const sendReminderInput = z.object({
  practiceId: id,
  transactionId: id,
  channels,
  idempotencyKey,
});

export const startBillingCycleInput = z.object({
  practiceId: id,
  minBalance: amountText
    .pipe(z.number().positive('expected a positive minimum balance such as "10.00"'))
    .nullish()
    .transform((cents) => cents ?? 1_000),
  channels,
  dryRun: z
    .boolean()
    .nullish()
    .transform((v) => v ?? false),
  idempotencyKey,
});

/** The canonical text of a cycle request, minus its key: the same key with another text is a conflict. */
export function cycleFingerprint(input: z.output<typeof startBillingCycleInput>): string {
  return JSON.stringify({ minBalance: input.minBalance, channels: [...input.channels].sort(), dryRun: input.dryRun });
}
