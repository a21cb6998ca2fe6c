/**
 * Spans around every upstream-touching adapter call, through the public GraphQL API: a tracer
 * provider registered globally (as an operator would) sees one span per adapter call, with the
 * practice id and batch size and nothing of the patient's data.
 */
import { trace } from '@opentelemetry/api';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NEX_SEED } from '../../src/sandbox/nexhealth';
import { startTestGateway, type TestGateway } from './harness';

const exporter = new InMemorySpanExporter();
let t: TestGateway;

beforeAll(async () => {
  trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }));
  t = await startTestGateway();
});
afterAll(async () => {
  await t?.close();
  trace.disable();
});

describe('OpenTelemetry spans around adapter calls', () => {
  it('records one span per adapter call with ids and sizes only', async () => {
    exporter.reset();
    const family = NEX_SEED.families.alvarez;
    const { errors } = await t.gql(
      `query($g: ID!) { guarantor(practiceId: "smile-dental", guarantorId: $g) { patients { firstName balance { total { cents } } } } }`,
      { g: family.guarantorId },
    );
    expect(errors).toBeUndefined();
    const spans = exporter.getFinishedSpans();
    const names = spans.map((s) => s.name);
    expect(names).toContain('ledger.adapter families');
    // The family's lists come by guarantor (src/graphql/ledger-prefetch.ts): one key, the guarantor.
    expect(names).toContain('ledger.adapter chargesByGuarantor');
    expect(names).not.toContain('ledger.adapter chargesByPatient');
    const charges = spans.find((s) => s.name === 'ledger.adapter chargesByGuarantor')!;
    expect(charges.attributes).toMatchObject({
      'ledger.practice_id': 'smile-dental',
      'ledger.system': 'NEXHEALTH',
      'ledger.batch_size': 1,
    });
    // Ids and sizes only: no attribute carries a name from the ledger.
    const text = JSON.stringify(spans.map((s) => s.attributes));
    expect(text).not.toMatch(/Maria|Diego|Lucia|Mateo/);
  });

  it('marks a span whose upstream call failed, with the error code', async () => {
    exporter.reset();
    t.nex.faults.add({ path: '/guarantor_balances', status: 500 });
    await t.gql(`query($g: ID!) { guarantor(practiceId: "smile-dental", guarantorId: $g) { aging { total { cents } } } }`, {
      g: NEX_SEED.families.lindqvist.guarantorId,
    });
    t.nex.faults.clear();
    const span = exporter.getFinishedSpans().find((s) => s.name === 'ledger.adapter guarantorBalances')!;
    expect(span.status.code).toBe(2); // SpanStatusCode.ERROR
    expect(span.attributes['ledger.failed_keys']).toBe(1);
  });
});
