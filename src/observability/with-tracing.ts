/**
 * `withTracing(adapter, { practiceId })`: the same `LedgerAdapter`, with every upstream-touching
 * method of the port in an OpenTelemetry span (`ledger.adapter <method>`), through
 * `@opentelemetry/api` only. With no SDK registered (the default) the spans are no-ops; an operator
 * who registers a tracer provider and exporter gets them with no change here.
 *
 * Attributes are ids and sizes only — practice id, system, method, batch size, error code — never a
 * patient's data.
 *
 *     const adapter = withTracing(createNexhealthAdapter(conn), { practiceId: 'smile-dental' });
 */
import { context, SpanStatusCode, trace, type Span, type Tracer } from '@opentelemetry/api';
import { decorated } from '../adapters/decorated';
import { BATCH_METHODS, UpstreamError, WHOLE_METHODS, type LedgerAdapter } from '../adapters/ledger/port';

export interface WithTracingOptions {
  /** The config's practice id, set on every span. */
  practiceId: string;
  /** The tracer. Default `trace.getTracer('ledger-gateway')` from the global provider. */
  tracer?: Tracer;
  /** The port's upstream-touching methods (`UPSTREAM_METHODS[kind]`); default the ledger port's. */
  methods?: { batch: readonly string[]; whole: readonly string[] };
}

export function withTracing<A extends { readonly system: string } = LedgerAdapter>(adapter: A, options: WithTracingOptions): A {
  const tracer = options.tracer ?? trace.getTracer('ledger-gateway');
  const wrapped = new Map<string, (...args: unknown[]) => Promise<unknown>>();
  const source = adapter as unknown as Record<string, unknown>;

  const methods = options.methods ?? { batch: BATCH_METHODS, whole: WHOLE_METHODS };
  for (const name of [...methods.batch, ...methods.whole]) {
    const fn = source[name];
    if (typeof fn !== 'function') continue;
    const batch = methods.batch.includes(name);
    const call = fn as (...a: unknown[]) => Promise<unknown>;
    const spanName = `ledger.adapter ${name}`;
    const traced = async (span: Span, args: unknown[]) => {
      span.setAttributes({
        'ledger.practice_id': options.practiceId,
        'ledger.system': adapter.system,
        'ledger.method': name,
        ...(batch && Array.isArray(args[0]) ? { 'ledger.batch_size': args[0].length } : {}),
      });
      try {
        const result = await call.apply(adapter, args);
        const failures = batch && Array.isArray(result) ? result.filter((item) => item instanceof Error).length : 0;
        if (failures > 0) {
          span.setAttribute('ledger.failed_keys', failures);
          span.setStatus({ code: SpanStatusCode.ERROR, message: `${failures} key(s) failed` });
        }
        return result;
      } catch (error) {
        span.setAttribute('ledger.error_code', error instanceof UpstreamError ? error.code : 'INTERNAL');
        span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof UpstreamError ? error.code : 'error' });
        throw error;
      } finally {
        span.end();
      }
    };
    wrapped.set(name, (...args: unknown[]) => {
      const span = tracer.startSpan(spanName);
      // No SDK registered (the default), or its sampler dropped this trace: nothing records this span
      // or its attributes, so the call goes straight through under the caller's context (no context
      // switch, no attributes object: adapter calls are on every request's path).
      if (!span.isRecording()) {
        span.end();
        return call.apply(adapter, args);
      }
      return context.with(trace.setSpan(context.active(), span), traced, undefined, span, args);
    });
  }

  return decorated(adapter, wrapped);
}
