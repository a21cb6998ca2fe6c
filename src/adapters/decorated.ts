/**
 * An adapter seen through a decorator (tracing, a circuit breaker): the decorator's own methods in
 * place of the adapter's, and every other property the adapter's own, its methods bound to it.
 *
 *     const wrapped = new Map([['patients', (ids) => breaker.run(() => adapter.patients(ids))]]);
 *     return decorated(adapter, wrapped);
 *
 * Why a proxy: adapters are classes (methods on the prototype) or object literals, and a decorator
 * must keep every method it does not wrap (`system`, `capabilities`, `cachedProvider`, `close`...).
 * A method is bound once per function, not on every read: reads such as `cachedProvider` happen once
 * per ledger row. A method replaced on the adapter later (a test's spy) is a new function, bound anew.
 */
type Method = (...args: unknown[]) => unknown;

export function decorated<A extends object>(adapter: A, wrapped: ReadonlyMap<string, unknown>): A {
  const bound = new WeakMap<Method, Method>();
  return new Proxy(adapter, {
    get(target, property) {
      if (typeof property === 'string') {
        const own = wrapped.get(property);
        if (own !== undefined) return own;
      }
      const value: unknown = Reflect.get(target, property, target);
      if (typeof value !== 'function') return value;
      let method = bound.get(value as Method);
      if (!method) {
        method = (value as Method).bind(target);
        bound.set(value as Method, method);
      }
      return method;
    },
  });
}
