/**
 * The query endpoint's language, as QBO parses it:
 *
 *     select * from Customer where DisplayName = 'Jane O\'Brien (1042)' and Active in (true, false)
 *     select count(*) from SalesReceipt where TxnDate >= '2026-07-01' orderby TxnDate desc startposition 1 maxresults 50
 *
 * Keywords and entity names are case-insensitive; conditions are joined by `and` only (QBO has no
 * `or`); operators `=`, `<`, `>`, `<=`, `>=`, `in (…)`, `like '%x%'`; string literals in single
 * quotes with `\'` as the escape; a reference field compares its `value`. Name lists (Customer,
 * Item, Account, PaymentMethod) answer only active rows unless a condition names `Active`. A syntax
 * error answers 4000, an unknown entity or a field QBO cannot filter on 4001.
 */
import { ENTITY_TYPES, type EntityType, entityType, NAME_LISTS, type RealmBooks } from './store';
import { queryParseError, queryValidationError } from './wire';

type Literal = string | number | boolean;
type Op = '=' | '<' | '>' | '<=' | '>=' | 'in' | 'like';

interface Condition {
  field: string;
  op: Op;
  values: Literal[];
}

export interface ParsedQuery {
  count: boolean;
  entity: EntityType;
  where: Condition[];
  orderBy: Array<{ field: string; desc: boolean }>;
  startPosition: number;
  maxResults: number;
}

const META = ['Id', 'MetaData.CreateTime', 'MetaData.LastUpdatedTime'];
const TXN = [...META, 'DocNumber', 'TxnDate', 'CustomerRef', 'TotalAmt', 'Balance'];
/** The fields QBO lets a query filter and sort on, per entity. */
const QUERYABLE: Record<EntityType, ReadonlySet<string>> = {
  Customer: new Set([
    ...META,
    'DisplayName',
    'GivenName',
    'FamilyName',
    'MiddleName',
    'CompanyName',
    'FullyQualifiedName',
    'PrintOnCheckName',
    'PrimaryEmailAddr',
    'Active',
    'Balance',
  ]),
  SalesReceipt: new Set([...TXN, 'DepositToAccountRef', 'PaymentMethodRef']),
  RefundReceipt: new Set([...TXN, 'DepositToAccountRef', 'PaymentMethodRef']),
  Invoice: new Set([...TXN, 'DueDate']),
  Payment: new Set([...TXN.filter((f) => f !== 'DocNumber' && f !== 'Balance'), 'DepositToAccountRef', 'PaymentMethodRef']),
  Item: new Set([...META, 'Name', 'FullyQualifiedName', 'Type', 'Active']),
  Account: new Set([...META, 'Name', 'FullyQualifiedName', 'AccountType', 'Classification', 'Active']),
  PaymentMethod: new Set([...META, 'Name', 'Type', 'Active']),
};

type Token = { kind: 'word' | 'string' | 'number' | 'punct'; text: string; at: number };

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const ch = text[i]!;
    if (/\s/.test(ch)) {
      i++;
    } else if (ch === "'") {
      let value = '';
      let j = i + 1;
      for (; j < text.length && text[j] !== "'"; j++) {
        if (text[j] === '\\' && j + 1 < text.length) j++;
        value += text[j];
      }
      if (j >= text.length) throw queryParseError(`Encountered an unterminated string literal at column ${i + 1}.`);
      tokens.push({ kind: 'string', text: value, at: i });
      i = j + 1;
    } else if (/[0-9-]/.test(ch) && /^-?[0-9]/.test(text.slice(i, i + 2))) {
      const match = /^-?[0-9]+(\.[0-9]+)?/.exec(text.slice(i))!;
      tokens.push({ kind: 'number', text: match[0], at: i });
      i += match[0].length;
    } else if (/[A-Za-z_]/.test(ch)) {
      const match = /^[A-Za-z_][A-Za-z0-9_.]*/.exec(text.slice(i))!;
      tokens.push({ kind: 'word', text: match[0], at: i });
      i += match[0].length;
    } else {
      const two = text.slice(i, i + 2);
      const punct = two === '<=' || two === '>=' ? two : ch;
      if (!['(', ')', ',', '*', '=', '<', '>', '<=', '>='].includes(punct)) {
        throw queryParseError(`Encountered " ${JSON.stringify(ch)} " at line 1, column ${i + 1}.`);
      }
      tokens.push({ kind: 'punct', text: punct, at: i });
      i += punct.length;
    }
  }
  return tokens;
}

class Parser {
  private i = 0;
  constructor(private readonly tokens: Token[]) {}

  peekWord(...words: string[]): boolean {
    const t = this.tokens[this.i];
    return t?.kind === 'word' && words.includes(t.text.toLowerCase());
  }

  next(expected: string): Token {
    const t = this.tokens[this.i++];
    if (!t) throw queryParseError(`Encountered "<EOF>", was expecting ${expected}.`);
    return t;
  }

  word(expected: string): string {
    const t = this.next(expected);
    if (t.kind !== 'word') throw queryParseError(`Encountered " ${t.text} " at column ${t.at + 1}, was expecting ${expected}.`);
    return t.text;
  }

  keyword(word: string): void {
    const got = this.word(`"${word}"`);
    if (got.toLowerCase() !== word) throw queryParseError(`Encountered " ${got} ", was expecting "${word}".`);
  }

  punct(text: string): void {
    const t = this.next(`"${text}"`);
    if (t.kind !== 'punct' || t.text !== text)
      throw queryParseError(`Encountered " ${t.text} " at column ${t.at + 1}, was expecting "${text}".`);
  }

  /** Consume `word` when it comes next. */
  accept(word: string): boolean {
    if (!this.peekWord(word)) return false;
    this.i++;
    return true;
  }

  /** Consume `text` when it comes next. */
  acceptPunct(text: string): boolean {
    if (!this.isPunct(text)) return false;
    this.i++;
    return true;
  }

  isPunct(text: string): boolean {
    const t = this.tokens[this.i];
    return t?.kind === 'punct' && t.text === text;
  }

  literal(): Literal {
    const t = this.next('a value');
    if (t.kind === 'string') return t.text;
    if (t.kind === 'number') return Number(t.text);
    if (t.kind === 'word' && /^(true|false)$/i.test(t.text)) return t.text.toLowerCase() === 'true';
    throw queryParseError(`Encountered " ${t.text} " at column ${t.at + 1}, was expecting a value.`);
  }

  integer(what: string): number {
    const t = this.next(what);
    if (t.kind !== 'number' || !/^[0-9]+$/.test(t.text))
      throw queryParseError(`${what} must be a positive integer, got ${t.text}.`);
    return Number(t.text);
  }

  get done(): boolean {
    return this.i >= this.tokens.length;
  }
}

export function parseQuery(text: string): ParsedQuery {
  const p = new Parser(tokenize(text));
  p.keyword('select');
  let count = false;
  if (p.isPunct('*')) p.punct('*');
  else {
    p.keyword('count');
    p.punct('(');
    p.punct('*');
    p.punct(')');
    count = true;
  }
  p.keyword('from');
  const name = p.word('an entity');
  const entity = entityType(name);
  if (!entity) throw queryValidationError(`Invalid context declaration : ${name}. Expected one of ${ENTITY_TYPES.join(', ')}.`);
  const fieldName = (raw: string): string => {
    const known = [...QUERYABLE[entity]].find((f) => f.toLowerCase() === raw.toLowerCase());
    if (!known) throw queryValidationError(`property '${raw}' is not queryable on ${entity}`);
    return known;
  };
  const where: Condition[] = [];
  if (p.peekWord('where')) {
    p.keyword('where');
    do {
      const field = fieldName(p.word('a field'));
      let op: Op;
      if (p.peekWord('in')) {
        p.keyword('in');
        op = 'in';
      } else if (p.peekWord('like')) {
        p.keyword('like');
        op = 'like';
      } else {
        const t = p.next('an operator');
        if (t.kind !== 'punct' || !['=', '<', '>', '<=', '>='].includes(t.text)) {
          throw queryParseError(`Encountered " ${t.text} " at column ${t.at + 1}, was expecting an operator.`);
        }
        op = t.text as Op;
      }
      const values: Literal[] = [];
      if (op === 'in') {
        p.punct('(');
        values.push(p.literal());
        while (p.isPunct(',')) {
          p.punct(',');
          values.push(p.literal());
        }
        p.punct(')');
      } else {
        values.push(p.literal());
      }
      where.push({ field, op, values });
      if (p.peekWord('or')) throw queryParseError('Encountered " or ": QBO queries join conditions with "and" only.');
    } while (p.accept('and'));
  }
  const orderBy: ParsedQuery['orderBy'] = [];
  if (p.peekWord('orderby')) {
    p.keyword('orderby');
    do {
      const field = fieldName(p.word('a field'));
      let desc = false;
      if (p.peekWord('asc', 'desc')) desc = p.word('asc|desc').toLowerCase() === 'desc';
      orderBy.push({ field, desc });
    } while (p.acceptPunct(','));
  }
  let startPosition = 1;
  let maxResults = 100;
  while (p.peekWord('startposition', 'maxresults')) {
    const word = p.word('startposition|maxresults').toLowerCase();
    if (word === 'startposition') startPosition = Math.max(1, p.integer('startposition'));
    else maxResults = Math.min(1000, Math.max(1, p.integer('maxresults')));
  }
  if (!p.done) {
    const t = p.next('end');
    throw queryParseError(`Encountered " ${t.text} " at column ${t.at + 1}, was expecting <EOF>.`);
  }
  return { count, entity, where, orderBy, startPosition, maxResults };
}

/** A field's value for comparison: a reference compares its `value`, a path walks objects. */
function fieldValue(data: Record<string, unknown>, field: string): unknown {
  let value: unknown = data;
  for (const part of field.split('.')) value = (value as Record<string, unknown> | undefined)?.[part];
  if (typeof value === 'object' && value !== null) {
    const v = value as Record<string, unknown>;
    return v.value ?? v.Address;
  }
  return value;
}

const DATE_TIME = /^\d{4}-\d{2}-\d{2}T/;

/** -1, 0, 1, or `null` when the two cannot be compared. Strings compare case-insensitively, times as instants. */
function compare(actual: unknown, literal: Literal): number | null {
  if (actual === undefined || actual === null) return null;
  if (typeof actual === 'boolean' || typeof literal === 'boolean') return actual === literal ? 0 : null;
  if (typeof actual === 'number') {
    const n = Number(literal);
    return Number.isNaN(n) ? null : Math.sign(actual - n);
  }
  const a = String(actual);
  const b = String(literal);
  if (/^[0-9]+$/.test(a) && /^[0-9]+$/.test(b)) return Math.sign(Number(a) - Number(b));
  if (DATE_TIME.test(a) && /^\d{4}-\d{2}-\d{2}/.test(b)) return Math.sign(Date.parse(a) - Date.parse(b));
  const la = a.toLowerCase();
  const lb = b.toLowerCase();
  return la === lb ? 0 : la < lb ? -1 : 1;
}

function like(actual: unknown, pattern: Literal): boolean {
  if (typeof actual !== 'string') return false;
  const source = String(pattern)
    .split('%')
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${source}$`, 'is').test(actual);
}

function matches(data: Record<string, unknown>, c: Condition): boolean {
  const actual = fieldValue(data, c.field);
  if (c.op === 'like') return like(actual, c.values[0]!);
  if (c.op === 'in') return c.values.some((v) => compare(actual, v) === 0);
  const order = compare(actual, c.values[0]!);
  if (order === null) return false;
  return { '=': order === 0, '<': order < 0, '>': order > 0, '<=': order <= 0, '>=': order >= 0 }[c.op];
}

/** Run a parsed query on a realm: the `QueryResponse` object. */
export function runQuery(books: RealmBooks, query: ParsedQuery): Record<string, unknown> {
  const filterActive = NAME_LISTS.has(query.entity) && !query.where.some((c) => c.field === 'Active');
  const rows = books
    .list(query.entity)
    .map((e) => e.data)
    .filter((d) => (!filterActive || d.Active === true) && query.where.every((c) => matches(d, c)));
  if (query.count) return { totalCount: rows.length };
  for (const { field, desc } of [...query.orderBy].reverse()) {
    rows.sort((a, b) => (compare(fieldValue(a, field), fieldValue(b, field) as Literal) ?? 0) * (desc ? -1 : 1));
  }
  const page = rows.slice(query.startPosition - 1, query.startPosition - 1 + query.maxResults);
  if (page.length === 0) return {};
  return { [query.entity]: page, startPosition: query.startPosition, maxResults: page.length };
}
