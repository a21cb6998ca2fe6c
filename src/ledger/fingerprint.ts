/**
 * The idempotency fingerprint of a write: a canonical JSON text of what the client asked for, so
 * the same request sent again (a retry, a replay) is recognised as the same, and the same key sent
 * with something else is refused (IDEMPOTENCY_CONFLICT). Canonical means: object keys sorted, every
 * list sorted (a write's lists — provider splits, charge splits, claim payments — are sets; their
 * order means nothing), `undefined` read as `null`. Card data is never part of it: the callers leave
 * the card out, and `prepareCollection` never sees inside it.
 *
 *     fingerprint({ amount: -10000, providerSplits: [{ id: '9', amount: -4000 }, { id: '7', amount: -6000 }] })
 *     // '{"amount":-10000,"providerSplits":[{"amount":-6000,"id":"7"},{"amount":-4000,"id":"9"}]}'
 *
 * The text is stored with each idempotency key (kept 72 h), so it must not change for the same
 * input from one release to the next: lists are ordered by their items' `id` (splits) or `claimId`
 * (claim payments), as before this function sorted them itself.
 */

/** A list item's identity for ordering: its `id`, else its `claimId`, else its canonical text. */
function identity(item: unknown, text: string): string {
  if (item && typeof item === 'object') {
    const { id, claimId } = item as { id?: unknown; claimId?: unknown };
    if (typeof id === 'string') return id;
    if (typeof claimId === 'string') return claimId;
  }
  return text;
}

const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) {
    const items = value.map((item) => {
      const form = canonical(item);
      const text = JSON.stringify(form);
      return { form, text, key: identity(item, text) };
    });
    // By identity, then by the whole text, so even two items with one id have one order.
    items.sort((a, b) => compare(a.key, b.key) || compare(a.text, b.text));
    return items.map((item) => item.form);
  }
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((key) => [key, canonical((value as Record<string, unknown>)[key])]),
    );
  }
  return value ?? null;
}

/** The canonical text of `value` (see the file's comment): equal for inputs that mean the same. */
export function fingerprint(value: unknown): string {
  return JSON.stringify(canonical(value));
}
