/**
 * Stripe's form encoding: `application/x-www-form-urlencoded` with bracket notation (`a[b][c]=v`,
 * arrays indexed `a[0][b]=v`, or `a[]=v`), brackets raw or percent-encoded. Queries use the same.
 * Decoded into a nested value (objects whose keys are all indexes become arrays) and into the flat
 * list of `key = value` pairs that idempotency compares (order-insensitive).
 */

export type FormValue = string | FormValue[] | { [key: string]: FormValue };
export type FormObject = { [key: string]: FormValue };

export class FormError extends Error {
  constructor(
    message: string,
    readonly param: string,
  ) {
    super(message);
  }
}

/** `a[b][0]` → `['a', 'b', '0']`; `a[]` → `['a', '']`. */
function segments(key: string): string[] {
  const open = key.indexOf('[');
  if (open <= 0) return [key];
  const parts = [key.slice(0, open)];
  const re = /\[([^\]]*)\]/g;
  let match: RegExpExecArray | null = re.exec(key.slice(open));
  let consumed = 0;
  while (match) {
    parts.push(match[1] ?? '');
    consumed = match.index + match[0].length;
    match = re.exec(key.slice(open));
  }
  if (consumed !== key.length - open) throw new FormError(`Invalid parameter name: ${key}`, key);
  return parts;
}

type Node = { [key: string]: Node | string };

/** Decode `a[b]=1&c[]=x` (a body or a query string). Throws `FormError` on conflicting keys. */
export function decodeForm(text: string): FormObject {
  const root: Node = {};
  const pushCounters = new Map<Node, number>();
  for (const [rawKey, value] of new URLSearchParams(text)) {
    const path = segments(rawKey);
    let node: Node = root;
    for (let i = 0; i < path.length; i++) {
      let segment = path[i] ?? '';
      if (segment === '' && i > 0) {
        const next = pushCounters.get(node) ?? Object.keys(node).length;
        pushCounters.set(node, next + 1);
        segment = String(next);
      }
      if (i === path.length - 1) {
        if (typeof node[segment] === 'object') throw new FormError(`Conflicting values for ${rawKey}`, rawKey);
        node[segment] = value;
      } else {
        const child = node[segment];
        if (typeof child === 'string') throw new FormError(`Conflicting values for ${rawKey}`, rawKey);
        if (!child) node[segment] = {};
        node = node[segment] as Node;
      }
    }
  }
  return toValue(root) as FormObject;
}

function toValue(node: Node | string): FormValue {
  if (typeof node === 'string') return node;
  const keys = Object.keys(node);
  const isArray = keys.length > 0 && keys.every((k) => /^\d+$/.test(k));
  if (isArray) {
    return keys
      .map(Number)
      .sort((a, b) => a - b)
      .map((k) => toValue(node[String(k)] as Node | string));
  }
  const out: FormObject = {};
  for (const key of keys) out[key] = toValue(node[key] as Node | string);
  return out;
}

/** `{ a: { b: ['x'] } }` → `[['a[b][0]', 'x']]`, sorted: the parameter set idempotency compares. */
export function flatten(value: FormValue, prefix = ''): Array<[string, string]> {
  if (typeof value === 'string') return [[prefix, value]];
  const entries: Array<[string, FormValue]> = Array.isArray(value) ? value.map((v, i) => [String(i), v]) : Object.entries(value);
  const out: Array<[string, string]> = [];
  for (const [key, child] of entries) out.push(...flatten(child, prefix ? `${prefix}[${key}]` : key));
  return prefix ? out : out.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/**
 * The parameter names of a decoded form as templates: indexes become `[N]` and the keys under a
 * `metadata` object become `[*]`, e.g. `line_items[N][price_data][currency]`, `metadata[*]`.
 */
export function parameterTemplates(form: FormObject): string[] {
  return flatten(form).map(([key]) => key.replace(/\[\d+\]/g, '[N]').replace(/(^metadata|\[metadata\])\[[^\]]*\]$/, '$1[*]'));
}
