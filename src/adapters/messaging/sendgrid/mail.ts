/**
 * One reminder as a Mail Send request, in the SDK's camelCase (`@sendgrid/mail` writes the wire's
 * snake_case): exactly one personalization with one recipient, the practice's dynamic template and
 * its data, our ids as custom args (they come back on every event), the `balance-reminder` category
 * and the practice's unsubscribe group. No `subject`/`content` (the template has them), and never
 * `mail_settings.sandbox_mode` (the project's simulator replaces it).
 */
import type { MailDataRequired } from '@sendgrid/mail';
import { formatCents } from '../../../ledger/money';
import type { EmailMessage } from '../port';
import type { SendgridConnection } from './connection';

/** The category every reminder carries; events echo it as `category`. */
export const REMINDER_CATEGORY = 'balance-reminder';

/** The custom args our ids travel in (string values only; SendGrid echoes them as top-level event keys). */
export const CUSTOM_ARGS = {
  reminderId: 'lg_reminder_id',
  practiceId: 'lg_practice_id',
  patientId: 'lg_patient_id',
} as const;

/**
 * The reminder template's data, under the keys the template reads: `patient_first_name`,
 * `practice_name`, `amount` (`"125.00"`), `pay_url`, `due_date` (`YYYY-MM-DD`). A missing first name
 * or due date is `null` (Handlebars treats it as false), so the template can leave the line out.
 */
export interface ReminderTemplateData {
  patient_first_name: string | null;
  practice_name: string;
  amount: string;
  pay_url: string;
  due_date: string | null;
}

export function templateData(message: EmailMessage): ReminderTemplateData {
  const { content } = message;
  if (!(Number.isSafeInteger(content.amount) && content.amount > 0)) {
    throw new RangeError(`expected a reminder amount of positive whole cents, got ${content.amount}`);
  }
  return {
    patient_first_name: content.patientFirstName,
    practice_name: content.practiceName,
    amount: formatCents(content.amount),
    pay_url: content.payUrl,
    due_date: content.dueDate,
  };
}

/** The SDK's `send` argument for one reminder. */
export function mailRequest(message: EmailMessage, connection: SendgridConnection): MailDataRequired {
  return {
    // A bare address unless the gateway gives a name (it does not by default: no PHI in headers).
    to: message.toName === null ? { email: message.to } : { email: message.to, name: message.toName },
    from: { email: connection.fromEmail, name: connection.fromName },
    templateId: connection.templateId,
    dynamicTemplateData: { ...templateData(message) },
    customArgs: {
      [CUSTOM_ARGS.reminderId]: message.reminderId,
      [CUSTOM_ARGS.practiceId]: message.practiceId,
      [CUSTOM_ARGS.patientId]: message.patientSourceId,
    },
    categories: [REMINDER_CATEGORY],
    asm: { groupId: connection.asmGroupId },
    // The SDK warns on stdout about `'`, `"` and `&` in template data (Handlebars escapes them,
    // which is what an HTML template wants); a practice named "Smith & Jones" is not a problem.
    hideWarnings: true,
  };
}
