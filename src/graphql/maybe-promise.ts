/**
 * A value that may already be known (`T`) or still coming (`Promise<T>`), and `whenKnown` to map it
 * without making a promise of a known value. Resolvers use it where a loader can answer at once
 * (loaders.ts, `referenceNow`): graphql-js completes a synchronous answer in place, while each
 * promise costs it a `then` here and a `Promise.all` over the enclosing row and list.
 *
 *     provider: (c, _args, ctx) => whenKnown(ctx.loaders.providerNow(key), (record) => record?.name ?? null),
 */
export type MaybePromise<T> = T | Promise<T>;

/** `map(value)` now when `value` is known, else once it arrives (a rejection passes through unmapped). */
export function whenKnown<T, R>(value: MaybePromise<T>, map: (value: T) => MaybePromise<R>): MaybePromise<R> {
  return value instanceof Promise ? value.then(map) : map(value);
}

/**
 * `map(values)` now when every one of `values` is known, else once all have arrived (the first
 * rejection passes through): `Promise.all` without a promise when none is needed.
 */
export function whenAllKnown<T extends readonly unknown[], R>(
  values: { readonly [K in keyof T]: MaybePromise<T[K]> },
  map: (known: T) => MaybePromise<R>,
): MaybePromise<R> {
  return values.some((v) => v instanceof Promise)
    ? Promise.all(values).then((known) => map(known as unknown as T))
    : map(values as unknown as T);
}
