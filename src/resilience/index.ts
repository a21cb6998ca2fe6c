/** Upstream fault tolerance: a circuit breaker per practice connection, as an adapter decorator. */
export * from './circuit-breaker';
export * from './with-circuit-breaker';
