/**
 * Masks what looks like a credential in a text the gateway did not write itself — a vendor's error
 * text, which may echo a request's headers or a form back — before it is kept anywhere (an
 * `UpstreamError`'s message, and through it a log line or a transaction's `failureReason`). Ids,
 * statuses and the vendor's wording stay readable: staff need them to fix an entry.
 *
 *     scrubSecrets('invalid token for Authorization: Bearer eyJhbGciOi.eyJzdWIi.c2lnbmF0dXJl')
 *     // 'invalid token for Authorization: Bearer [redacted]'
 *     scrubSecrets('{"api_key":"k-123","error":"bad id"}')   // '{"api_key":"[redacted]","error":"bad id"}'
 */

const REDACTED = '[redacted]';
/** A card-like number's mask: `[card]`, as the collection path writes the card it knows. */
const CARD = '[card]';

/** `Bearer <token>` / `Basic <credentials>`, as a header echoed back. */
const AUTH_SCHEME = /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/gi;
/** `token=…`, `"client_secret": "…"`, `password: …`: a credential-named field and its value (a scheme is AUTH_SCHEME's). */
const NAMED_SECRET =
  /(\b(?:access_token|refresh_token|id_token|token|client_secret|secret|password|passwd|api[_-]?key|apikey|authorization)"?\s*[:=]\s*"?)(?!(?:Bearer|Basic)\s)([^"\s,;&}]+)/gi;
/** A JWT: three base64url parts, the first one a JSON header (`eyJ`). */
const JWT = /\beyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+/g;
/** 12–19 digits, possibly grouped by spaces or dashes: the shape of a card number. */
const CARD_LIKE = /\b\d(?:[ -]?\d){11,18}\b/g;
/**
 * A long opaque run of letters and digits (an API key, a session token). Not `/` or `-`: a path or a
 * practice id (`bright-dentrix`) is long too, and an id staff need; a UUID's groups are short.
 */
const OPAQUE = /[A-Za-z0-9_+=]{32,}/g;

export function scrubSecrets(text: string): string {
  return text
    .replace(AUTH_SCHEME, (_match, scheme: string) => `${scheme} ${REDACTED}`)
    .replace(JWT, REDACTED)
    .replace(NAMED_SECRET, (match, name: string, value: string) => (value === REDACTED ? match : `${name}${REDACTED}`))
    .replace(CARD_LIKE, CARD)
    .replace(OPAQUE, (run) => (/\d/.test(run) && /[A-Za-z]/.test(run) ? REDACTED : run));
}
