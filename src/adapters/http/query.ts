/**
 * Query strings with repeated and bracketed keys (`include[]=a&include[]=b`), values percent-encoded,
 * brackets in keys left readable as most vendor docs write them.
 *
 *     buildQuery({ subdomain: 'acme', 'include[]': ['children'], per_page: 1000, skip: undefined })
 *     // 'subdomain=acme&include[]=children&per_page=1000'
 */
export type QueryValue = string | number | boolean | null | undefined | ReadonlyArray<string | number | boolean>;
export type Query = Record<string, QueryValue>;

/** Encoded keys: adapters use a few dozen, written in their code, on every request. */
const encodedKeys = new Map<string, string>();
const MAX_ENCODED_KEYS = 1_000;

function encodeKey(key: string): string {
  let encoded = encodedKeys.get(key);
  if (encoded === undefined) {
    encoded = encodeURIComponent(key).replace(/%5B/gi, '[').replace(/%5D/gi, ']');
    if (encodedKeys.size < MAX_ENCODED_KEYS) encodedKeys.set(key, encoded);
  }
  return encoded;
}

/** Keys whose value is `undefined` or `null` are left out; arrays repeat the key. */
export function buildQuery(query: Query): string {
  const parts: string[] = [];
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === null) continue;
    const values = Array.isArray(value) ? value : [value];
    for (const v of values) parts.push(`${encodeKey(key)}=${encodeURIComponent(String(v))}`);
  }
  return parts.join('&');
}

/** `path` plus `?query` when the query has anything in it. */
export function withQuery(path: string, query: Query): string {
  const qs = buildQuery(query);
  return qs === '' ? path : `${path}${path.includes('?') ? '&' : '?'}${qs}`;
}
