/**
 * `withTracing` with a tracer that records and with one whose sampler drops every trace: the first
 * gets one span per call with its attributes and failures; the second none, and the adapter's
 * answers, errors and `this` pass through unchanged either way. (test/e2e/tracing.test.ts covers
 * the spans through the public API.)
 */
import { AlwaysOffSampler, BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { describe, expect, it } from 'vitest';
import { UpstreamError } from '../../src/adapters/ledger/port';
import { withTracing } from '../../src/observability/with-tracing';

/** A stand-in for the two adapter methods the wrapper sees here; `calls` proves `this` is the adapter. */
class FakeAdapter {
  readonly system = 'NEXHEALTH';
  calls = 0;
  async chargesByPatient(ids: readonly string[]): Promise<Array<string[] | Error>> {
    this.calls++;
    return ids.map((id) => (id === 'bad' ? new Error(`no ${id}`) : [`charge of ${id}`]));
  }
  async paymentTypes(): Promise<string[]> {
    this.calls++;
    throw new UpstreamError('down', 'UPSTREAM_UNAVAILABLE');
  }
}

const methods = { batch: ['chargesByPatient'], whole: ['paymentTypes'] };

function tracerOf(sampled: boolean) {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    spanProcessors: [new SimpleSpanProcessor(exporter)],
    ...(sampled ? {} : { sampler: new AlwaysOffSampler() }),
  });
  return { tracer: provider.getTracer('test'), exporter };
}

async function exercise(adapter: FakeAdapter) {
  const answers = await adapter.chargesByPatient(['1', 'bad']);
  const failure = await adapter.paymentTypes().catch((error: unknown) => error);
  return { answers, failure };
}

describe('withTracing', () => {
  it('records a span per call with ids and sizes, and marks failed keys and failed calls', async () => {
    const { tracer, exporter } = tracerOf(true);
    const inner = new FakeAdapter();
    const { answers, failure } = await exercise(withTracing(inner as never, { practiceId: 'smile-dental', tracer, methods }));
    expect(answers[0]).toEqual(['charge of 1']);
    expect(answers[1]).toBeInstanceOf(Error);
    expect(failure).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE' });
    expect(inner.calls).toBe(2);
    const spans = exporter.getFinishedSpans();
    expect(spans.map((s) => s.name)).toEqual(['ledger.adapter chargesByPatient', 'ledger.adapter paymentTypes']);
    expect(spans[0]!.attributes).toEqual({
      'ledger.practice_id': 'smile-dental',
      'ledger.system': 'NEXHEALTH',
      'ledger.method': 'chargesByPatient',
      'ledger.batch_size': 2,
      'ledger.failed_keys': 1,
    });
    expect(spans[0]!.status).toMatchObject({ code: 2, message: '1 key(s) failed' });
    expect(spans[1]!.attributes['ledger.error_code']).toBe('UPSTREAM_UNAVAILABLE');
    expect(spans[1]!.status).toMatchObject({ code: 2, message: 'UPSTREAM_UNAVAILABLE' });
  });

  it('records nothing when the sampler drops the trace, and answers exactly the same', async () => {
    const { tracer, exporter } = tracerOf(false);
    const inner = new FakeAdapter();
    const { answers, failure } = await exercise(withTracing(inner as never, { practiceId: 'smile-dental', tracer, methods }));
    expect(answers[0]).toEqual(['charge of 1']);
    expect((answers[1] as Error).message).toBe('no bad');
    expect(failure).toBeInstanceOf(UpstreamError);
    expect(failure).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', message: 'down' });
    expect(inner.calls).toBe(2);
    expect(exporter.getFinishedSpans()).toEqual([]);
  });
});
