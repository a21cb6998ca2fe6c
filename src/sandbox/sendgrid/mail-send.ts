/**
 * `POST /v3/mail/send` as the simulator checks it: SendGrid's validation answers (400, one entry per
 * problem, 403 for an unverified sender) or the accepted message. Pure: the server calls it after
 * authenticating the key; the outcome and its events are `mailbox.ts`'s.
 */
import { SANDBOX_ASM_GROUP_ID, SANDBOX_TEMPLATE_ID, type SendgridAccount } from './accounts';

export interface ErrorEntry {
  message: string;
  field: string | null;
  help: string | null;
}

/** SendGrid's answer to a refused request: its status and `{"errors":[…]}`. */
export interface Refusal {
  status: number;
  errors: ErrorEntry[];
}

/** What an accepted request asked for: the one recipient, the template and its data, ids and group. */
export interface AcceptedMail {
  to: { email: string; name: string | null };
  from: { email: string; name: string | null };
  templateId: string;
  dynamicTemplateData: Record<string, unknown>;
  /** Top-level custom args merged with the personalization's (the personalization's win). */
  customArgs: Record<string, string>;
  categories: string[];
  asmGroupId: number | null;
}

const HELP = 'http://sendgrid.com/docs/API_Reference/Web_API_v3/Mail/errors.html';
const EMAIL = /^[^\s@<>(),;:"]+@[^\s@<>(),;:"]+\.[^\s@<>(),;:"]+$/;
const CUSTOM_ARGS_MAX_BYTES = 10_000;

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function entry(field: string | null, message: string, anchor: string): ErrorEntry {
  return { field, message, help: `${HELP}#message.${anchor}` };
}

function address(value: unknown): { email: string; name: string | null } | null {
  if (!isObject(value) || typeof value.email !== 'string') return null;
  return { email: value.email, name: typeof value.name === 'string' ? value.name : null };
}

function stringArgs(value: unknown, field: string, errors: ErrorEntry[]): Record<string, string> {
  if (value === undefined) return {};
  if (!isObject(value) || Object.values(value).some((v) => typeof v !== 'string')) {
    errors.push(entry(field, 'Custom args must be an object of string values.', 'custom_args'));
    return {};
  }
  return value as Record<string, string>;
}

/** The request checked as SendGrid would for `account`: an `AcceptedMail`, or the refusal to answer. */
export function checkMailSend(body: unknown, account: SendgridAccount): AcceptedMail | Refusal {
  if (!isObject(body)) return { status: 400, errors: [entry(null, 'Bad Request', 'body')] };
  const errors: ErrorEntry[] = [];

  const from = address(body.from);
  if (!from) {
    errors.push(
      entry(
        'from',
        'The from object must be provided for every email send. It is an object that requires the email parameter, but may also contain a name parameter.',
        'from',
      ),
    );
  } else if (!EMAIL.test(from.email)) {
    errors.push(entry('from.email', 'The from email does not contain a valid address.', 'from'));
  }

  const personalizations = body.personalizations;
  let to: { email: string; name: string | null } | null = null;
  let personalization: Record<string, unknown> = {};
  if (!Array.isArray(personalizations) || personalizations.length === 0) {
    errors.push(
      entry(
        'personalizations',
        'The personalizations field is required and must have at least one personalization.',
        'personalizations',
      ),
    );
  } else if (personalizations.length !== 1 || !isObject(personalizations[0])) {
    // The sandbox's decision, as the adapter's: exactly one personalization per request.
    errors.push(entry('personalizations', 'The sandbox takes exactly one personalization per request.', 'personalizations'));
  } else {
    personalization = personalizations[0];
    const recipients = personalization.to;
    if (!Array.isArray(recipients) || recipients.length !== 1) {
      errors.push(entry('personalizations.0.to', 'The sandbox takes exactly one recipient per request.', 'personalizations.to'));
    } else {
      to = address(recipients[0]);
      if (!to || !EMAIL.test(to.email)) {
        errors.push(entry('personalizations.0.to.0.email', 'Does not contain a valid address.', 'personalizations.to'));
        to = null;
      }
    }
    if (personalization.dynamic_template_data !== undefined && !isObject(personalization.dynamic_template_data)) {
      errors.push(
        entry(
          'personalizations.0.dynamic_template_data',
          'The dynamic_template_data must be an object.',
          'personalizations.dynamic_template_data',
        ),
      );
    }
  }

  const templateId = body.template_id;
  if (templateId !== SANDBOX_TEMPLATE_ID) {
    errors.push(entry('template_id', 'The template_id is not a valid template ID.', 'template_id'));
  }

  let asmGroupId: number | null = null;
  if (body.asm !== undefined) {
    const group = isObject(body.asm) ? body.asm.group_id : undefined;
    if (group !== SANDBOX_ASM_GROUP_ID)
      errors.push(entry('asm.group_id', 'The asm group_id is not a valid unsubscribe group.', 'asm.group_id'));
    else asmGroupId = group;
  }

  const customArgs = {
    ...stringArgs(body.custom_args, 'custom_args', errors),
    ...stringArgs(personalization.custom_args, 'personalizations.0.custom_args', errors),
  };
  if (Buffer.byteLength(JSON.stringify(customArgs)) > CUSTOM_ARGS_MAX_BYTES) {
    errors.push(entry('custom_args', 'The custom_args may not exceed 10,000 bytes.', 'custom_args'));
  }

  const categories = body.categories ?? [];
  if (!Array.isArray(categories) || categories.length > 10 || categories.some((c) => typeof c !== 'string' || c.length > 255)) {
    errors.push(entry('categories', 'Categories must be at most 10 strings of at most 255 characters.', 'categories'));
  }

  if (errors.length > 0 || !from || !to) return { status: 400, errors };
  if (from.email.toLowerCase() !== account.sender) {
    return {
      status: 403,
      errors: [{ field: 'from', message: 'The from address does not match a verified Sender Identity.', help: null }],
    };
  }
  return {
    to,
    from,
    templateId: SANDBOX_TEMPLATE_ID,
    dynamicTemplateData: isObject(personalization.dynamic_template_data) ? personalization.dynamic_template_data : {},
    customArgs,
    categories: categories as string[],
    asmGroupId,
  };
}

export function isRefusal(value: AcceptedMail | Refusal): value is Refusal {
  return 'errors' in value;
}
