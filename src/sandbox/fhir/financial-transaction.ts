/**
 * Oracle Health's FinancialTransaction create (`POST /Basic`): every rule of the FHIR spec's sandbox
 * decisions, each failure a 422 OperationOutcome naming the rule; success answers 201 with an empty
 * body, `Location: {base}/Basic/FT-PL-{n}` (payment) or `FT-AL-{n}` (adjustment), `ETag: W/"0"` and
 * `X-Request-Id`, and moves the target's guarantor-balance account (payment or credit alias lowers
 * it, debit alias raises it). There is no read-back (`GET /Basic/{id}` → 404).
 */
import { randomUUID } from 'node:crypto';
import { decimalText, readAmount } from '../shared/wire-money';
import type { MountState, SandboxSettings } from './context';
import { FhirHttpError, type IssueCode, operationOutcome, type Reply, unprocessable } from './outcome';
import { ORACLE_EXTENSION_BASE, ORACLE_SEED } from './seed-oracle';
import { referenceOf, type Resource } from './store';

const PAYMENT_TYPE = 'http://terminology.hl7.org/CodeSystem/payment-type';
const METHODS = ['CASH', 'CCCA', 'CHCK', 'CCHK', 'TRAC'];
const CHECK_METHODS = ['CHCK', 'CCHK', 'TRAC'];
const CARD_BRANDS = ['VISA', 'MASTER', 'AMEX', 'DISCOVER'];
const TOP_LEVEL = new Set(['resourceType', 'code', 'identifier', 'extension']);
const KNOWN = new Set(
  ['type', 'alias', 'amount', 'allocation', 'method', 'tendered-amount', 'card-brand', 'account-number', 'date', 'location'].map(
    (name) => `${ORACLE_EXTENSION_BASE}financial-transaction-${name}`,
  ),
);

/** The tenant's aliases: which type each belongs to and its effect on the balance. */
export const ORACLE_ALIASES: Readonly<Record<string, { type: 'payment' | 'adjustment'; effect: 'credit' | 'debit' }>> = {
  [ORACLE_SEED.aliases.payment]: { type: 'payment', effect: 'credit' },
  [ORACLE_SEED.aliases.creditAdjustment]: { type: 'adjustment', effect: 'credit' },
  [ORACLE_SEED.aliases.debitAdjustment]: { type: 'adjustment', effect: 'debit' },
};

/** A FinancialTransaction the sandbox accepted (for tests; Oracle offers no read). */
export interface PostedFinancialTransaction {
  id: string;
  identifier: string;
  type: 'payment' | 'adjustment';
  alias: string;
  amountCents: number;
  /** `Encounter/{id}` or `Account/G…` as sent. */
  target: string;
  /** The guarantor-balance account moved, when the target has one. */
  balanceAccountId: string | null;
  method: string | null;
  body: unknown;
}

interface Extension {
  url?: unknown;
  extension?: Extension[];
  valueString?: unknown;
  valueMoney?: { value?: unknown; currency?: unknown };
  valueReference?: { reference?: unknown };
  valueCodeableConcept?: { coding?: Array<{ system?: unknown; code?: unknown }> };
}

const fail = (code: IssueCode, rule: string) => unprocessable(code, rule);

/** Money of an extension in cents; 422 naming `what` unless a USD decimal with at most 2 places. */
function cents(what: string, money: Extension['valueMoney']): number {
  if (!money || (typeof money.value !== 'number' && typeof money.value !== 'string'))
    throw fail('required', `${what}: valueMoney.value is required`);
  if (money.currency !== 'USD') throw fail('business-rule', `${what}: currency must be USD, got ${String(money.currency)}`);
  const value = readAmount(money.value);
  if (value === null)
    throw fail('business-rule', `${what}: ${String(money.value)} is not a decimal amount with at most 2 places`);
  return value;
}

export function createFinancialTransaction(state: MountState, settings: SandboxSettings, body: unknown): Reply {
  const failure = settings.ftFailNext;
  if (failure) {
    settings.ftFailNext = null;
    return { status: failure.status, body: operationOutcome(failure.diagnostics, failure.code) };
  }
  const posted = validate(state, body);
  const { store } = state;
  const prefix = posted.type === 'payment' ? 'FT-PL' : 'FT-AL';
  const id = `${prefix}-${store.next(prefix, 1000)}`;
  const effect = ORACLE_ALIASES[posted.alias]?.effect;
  if (posted.balanceAccountId) {
    const account = store.get('Account', posted.balanceAccountId) as Resource;
    const balance = (account['extension'] as Extension[]).find((e) => e.url === `${ORACLE_EXTENSION_BASE}account-balance`);
    if (balance?.valueMoney) {
      const before = readAmount(String(balance.valueMoney.value)) ?? 0;
      const after = posted.type === 'payment' || effect === 'credit' ? before - posted.amountCents : before + posted.amountCents;
      balance.valueMoney = { value: decimalText(after), currency: 'USD' };
    }
  }
  usedIdentifiers(state).add(posted.identifier);
  postedList(state).push({ ...posted, id });
  return {
    status: 201,
    body: null,
    headers: { Location: `${state.baseUrl}/Basic/${id}`, ETag: 'W/"0"', 'X-Request-Id': randomUUID() },
  };
}

function validate(state: MountState, body: unknown): Omit<PostedFinancialTransaction, 'id'> {
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw new FhirHttpError(400, 'the body must be a Basic resource');
  const resource = body as Record<string, unknown>;
  for (const key of Object.keys(resource)) {
    if (TOP_LEVEL.has(key)) continue;
    if (key === 'modifierExtension') throw fail('extension', 'modifierExtension is not allowed on a FinancialTransaction');
    if (key === 'implicitRules') throw fail('not-supported', 'implicitRules is not supported on a FinancialTransaction');
    throw fail(
      'business-rule',
      `field ${key} is not allowed on a FinancialTransaction (only resourceType, code, identifier, extension)`,
    );
  }
  if (resource['resourceType'] !== 'Basic')
    throw fail('business-rule', `resourceType must be Basic, got ${String(resource['resourceType'])}`);
  const code = (resource['code'] as { coding?: Array<{ code?: unknown }> } | undefined)?.coding?.[0]?.code;
  if (code !== 'FinancialTransaction')
    throw fail('business-rule', `code.coding[0].code must be FinancialTransaction, got ${String(code)}`);
  const identifier = (resource['identifier'] as Array<{ value?: unknown }> | undefined)?.[0]?.value;
  if (typeof identifier !== 'string' || !/^[A-Za-z0-9]{1,250}$/.test(identifier))
    throw fail(
      'required',
      `identifier[0].value is required and must match [A-Za-z0-9]{1,250}, got ${JSON.stringify(identifier ?? null)}`,
    );
  if (usedIdentifiers(state).has(identifier))
    throw fail('duplicate', `identifier ${identifier} was already used by another FinancialTransaction`);

  const extensions = Array.isArray(resource['extension']) ? (resource['extension'] as Extension[]) : [];
  for (const e of extensions)
    if (typeof e.url !== 'string' || !KNOWN.has(e.url)) throw fail('extension', `unknown extension url ${String(e.url)}`);
  const all = (name: string) => extensions.filter((e) => e.url === `${ORACLE_EXTENSION_BASE}financial-transaction-${name}`);
  const one = (name: string) => all(name)[0];
  const text = (name: string) => {
    const value = one(name)?.valueString;
    return typeof value === 'string' ? value : null;
  };

  const typeCoding = one('type')?.valueCodeableConcept?.coding?.[0];
  const type = typeCoding?.code;
  if ((type !== 'payment' && type !== 'adjustment') || typeCoding?.system !== PAYMENT_TYPE)
    throw fail('business-rule', `financial-transaction-type must be ${PAYMENT_TYPE} payment or adjustment, got ${String(type)}`);
  const alias = text('alias');
  if (alias === null) throw fail('required', 'financial-transaction-alias (valueString) is required');
  const aliasInfo = ORACLE_ALIASES[alias];
  if (!aliasInfo) throw fail('business-rule', `financial-transaction-alias ${alias} is not defined for this tenant`);
  if (aliasInfo.type !== type)
    throw fail('business-rule', `financial-transaction-alias ${alias} is a ${aliasInfo.type} alias, not a ${type} alias`);
  const amountCents = cents('financial-transaction-amount', one('amount')?.valueMoney);
  if (amountCents <= 0)
    throw fail('business-rule', `financial-transaction-amount must be greater than 0, got ${decimalText(amountCents)}`);

  const allocations = all('allocation');
  if (allocations.length !== 1)
    throw fail('business-rule', `exactly one financial-transaction-allocation is required, got ${allocations.length}`);
  const nested = allocations[0]?.extension ?? [];
  const target = referenceOf(nested.find((e) => e.url === 'target')?.valueReference);
  const allocated = cents('financial-transaction-allocation amount', nested.find((e) => e.url === 'amount')?.valueMoney);
  if (allocated !== amountCents)
    throw fail(
      'business-rule',
      `financial-transaction-amount ${decimalText(amountCents)} must equal the allocation amount ${decimalText(allocated)}`,
    );
  const balanceAccountId = targetAccount(state, target);

  let method: string | null = null;
  if (type === 'payment') {
    const methodCode = one('method')?.valueCodeableConcept?.coding?.[0]?.code;
    if (typeof methodCode !== 'string' || !METHODS.includes(methodCode))
      throw fail(
        'business-rule',
        `a payment needs financial-transaction-method, one of ${METHODS.join(', ')}, got ${String(methodCode ?? 'none')}`,
      );
    method = methodCode;
    checkTender(method, amountCents, one('tendered-amount')?.valueMoney, text);
  }
  return { identifier, type, alias, amountCents, target, balanceAccountId, method, body };
}

/** The guarantor-balance account a target moves; 422 unless an existing Encounter or `Account/G…`. */
function targetAccount(state: MountState, target: string): string | null {
  const { store } = state;
  if (target.startsWith('Encounter/') && store.get('Encounter', target.slice('Encounter/'.length)))
    return store.encounterAccounts[target.slice('Encounter/'.length)]?.[0] ?? null;
  const account = target.startsWith('Account/G') ? store.get('Account', target.slice('Account/'.length)) : undefined;
  const isBalance = ((account?.['type'] as { coding?: Array<{ code?: string }> } | undefined)?.coding ?? []).some(
    (c) => c.code === 'guarantor-balance',
  );
  if (account && isBalance) return account.id;
  throw fail(
    'business-rule',
    `allocation target must be an existing Encounter or guarantor-balance Account, got ${target || 'none'}`,
  );
}

function checkTender(
  method: string,
  amountCents: number,
  tendered: Extension['valueMoney'],
  text: (name: string) => string | null,
): void {
  if (method === 'CASH') {
    if (!tendered) throw fail('business-rule', 'a CASH payment needs financial-transaction-tendered-amount');
    const given = cents('financial-transaction-tendered-amount', tendered);
    if (given < amountCents)
      throw fail(
        'business-rule',
        `financial-transaction-tendered-amount ${decimalText(given)} is less than the amount ${decimalText(amountCents)}`,
      );
    return;
  }
  const number = text('account-number');
  const date = text('date');
  if (method === 'CCCA') {
    const brand = text('card-brand');
    if (brand === null) throw fail('business-rule', 'a card payment needs financial-transaction-card-brand');
    if (!CARD_BRANDS.includes(brand.toUpperCase()))
      throw fail('business-rule', `financial-transaction-card-brand must be one of ${CARD_BRANDS.join(', ')}, got ${brand}`);
    if (number === null) throw fail('business-rule', 'a card payment needs financial-transaction-account-number (last 4 digits)');
    if (!/^[0-9]{4}$/.test(number))
      throw fail('business-rule', `financial-transaction-account-number must be 4 digits, got ${number}`);
    if (date === null || !/^[0-9]{4}-(0[1-9]|1[0-2])$/.test(date))
      throw fail(
        'business-rule',
        `a card payment needs financial-transaction-date as YYYY-MM (card expiry), got ${date ?? 'none'}`,
      );
    return;
  }
  if (CHECK_METHODS.includes(method)) {
    if (number === null) throw fail('business-rule', 'a check payment needs financial-transaction-account-number (check number)');
    if (!/^[0-9]{1,30}$/.test(number))
      throw fail('business-rule', `financial-transaction-account-number must be digits, got ${number}`);
    if (date === null || !/^[0-9]{4}-[0-9]{2}-[0-9]{2}$/.test(date))
      throw fail(
        'business-rule',
        `a check payment needs financial-transaction-date as YYYY-MM-DD (check date), got ${date ?? 'none'}`,
      );
  }
}

const identifiers = new WeakMap<MountState, Set<string>>();
const postings = new WeakMap<MountState, PostedFinancialTransaction[]>();

function usedIdentifiers(state: MountState): Set<string> {
  const set = identifiers.get(state) ?? new Set<string>();
  identifiers.set(state, set);
  return set;
}

/** Every FinancialTransaction the mount accepted, oldest first. */
export function postedList(state: MountState): PostedFinancialTransaction[] {
  const list = postings.get(state) ?? [];
  postings.set(state, list);
  return list;
}
