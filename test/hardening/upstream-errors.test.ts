/**
 * Least disclosure of upstream failures (issue 11, hole 5): the vendor's error text never reaches a
 * client — over HTTP, as a field's read error or a mutation's refusal, nor over graphql-ws — which
 * gets the stable code, a safe message and a request id; the operator's log line carries the
 * vendor's text under that same id, at warn. A failed write's `failureReason` keeps the vendor's
 * words for staff, with credentials masked.
 */
import { Writable } from 'node:stream';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logging/logger';
import { NEX_SEED } from '../../src/sandbox/nexhealth';
import { PAY } from '../e2e/documents';
import { KEYS, startTestGateway, type TestGateway } from '../e2e/harness';
import { wsOnce } from './ws';

/** In the vendor's error text only: the client never sent it, so seeing it anywhere means a leak. */
const MARKER = 'VENDOR-MARKER-7f3q';
/** A vendor that echoes our credential back in its error text. */
const ECHOED_TOKEN = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJzbWlsZSJ9.c2lnbmF0dXJlLXZhbHVlLTEyMzQ1Njc4OTA';
const VENDOR_TEXT = `${MARKER}: No access to location 77 for Patient Ada Lovelace`;

const SMILE = 'smile-dental';
const PATIENT = NEX_SEED.ownGuarantor.ownId;

const lines: string[] = [];
const sink = new Writable({
  write(chunk, _encoding, done) {
    lines.push(...String(chunk).split('\n').filter(Boolean));
    done();
  },
});
const logged = () => lines.map((line) => JSON.parse(line) as Record<string, any>);

let t: TestGateway;
let seq = 0;

beforeAll(async () => {
  t = await startTestGateway({ gateway: { logger: createLogger({ level: 'info', destination: sink }) } });
});
afterAll(async () => t?.close());
beforeEach(() => {
  lines.length = 0;
});
afterEach(() => t.nex.faults.clear());

/** POST /graphql as a client does, keeping the response's `x-request-id`. */
async function post(query: string, variables: Record<string, unknown>, requestId?: string) {
  const response = await fetch(`${t.url}/graphql`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: `Bearer ${KEYS.all}`,
      ...(requestId ? { 'x-request-id': requestId } : {}),
    },
    body: JSON.stringify({ query, variables }),
  });
  const text = await response.text();
  return { status: response.status, text, body: JSON.parse(text), requestId: response.headers.get('x-request-id') };
}

const CHARGES = /* GraphQL */ `
  query Charges($practiceId: ID!, $patientId: ID!) {
    patient(practiceId: $practiceId, patientId: $patientId) { sourceId charges { sourceId } }
  }
`;

/** The client's error: the code, a message that says what to do, the id; no vendor text, no upstream path. */
function expectSafe(error: { message: string; extensions?: Record<string, any> }, code: string, requestId: string) {
  expect(error.extensions).toEqual({ code, system: 'NexHealth', upstreamStatus: 400, requestId });
  expect(error.message).toContain(`request id ${requestId}`);
  expect(error.message).toContain("the practice's system (NexHealth) refused the request (HTTP 400)");
  expect(error.message).not.toMatch(/\/charges|\/patients|\/payments/);
}

/** The operator's line under `requestId`: warn, with the vendor's text, status, endpoint and practice. */
function expectLogged(requestId: string, endpoint: string) {
  const line = logged().find((entry) => entry.requestId === requestId);
  expect(line, JSON.stringify(logged())).toBeDefined();
  expect(line!.level).toBe(40); // pino's warn
  expect(line!.practiceIds).toEqual([SMILE]);
  expect(line!.upstream).toEqual([
    expect.objectContaining({ code: 'UPSTREAM_REJECTED', system: 'NexHealth', status: 400, endpoint }),
  ]);
  expect(line!.upstream[0].detail).toContain(MARKER);
  return line!;
}

describe('an upstream rejection, as the client sees it and as the log has it', () => {
  it('a field’s read error over HTTP: safe message and requestId; the vendor text only in the log line', async () => {
    t.nex.faults.add({ method: 'GET', path: '/charges', status: 400, errorText: VENDOR_TEXT });
    const r = await post(CHARGES, { practiceId: SMILE, patientId: PATIENT }, `client-req-${++seq}`);
    expect(r.status).toBe(200);
    expect(r.body.data.patient).toEqual({ sourceId: PATIENT, charges: null });
    expect(r.body.errors).toHaveLength(1);
    expect(r.body.errors[0].path).toEqual(['patient', 'charges']);
    expectSafe(r.body.errors[0], 'UPSTREAM_REJECTED', r.requestId!);
    expect(r.requestId).toBe(`client-req-${seq}`);
    for (const leak of [MARKER, 'Lovelace', 'location 77']) expect(r.text).not.toContain(leak);
    expect(expectLogged(r.requestId!, '/charges').upstream[0].path).toBe('patient.charges');
  });

  it('a mutation refused because a read it needs was rejected: the same, and nothing stored or sent', async () => {
    t.nex.faults.add({ method: 'GET', path: /^\/patients/, status: 400, errorText: VENDOR_TEXT });
    t.nex.resetRequestLog();
    const input = {
      practiceId: SMILE,
      patientId: PATIENT,
      amount: '10.00',
      paymentTypeId: NEX_SEED.paymentTypes.openDental.cash,
    };
    const r = await post(PAY, { input: { ...input, idempotencyKey: `upstream-errors-${++seq}` } });
    expect(r.body.data?.createPaymentTransaction ?? null).toBeNull();
    expect(r.body.errors).toHaveLength(1);
    expectSafe(r.body.errors[0], 'UPSTREAM_REJECTED', r.requestId!);
    expect(r.text).not.toContain(MARKER);
    expect(t.nex.requests.filter((q) => q.method === 'POST')).toEqual([]);
    expectLogged(r.requestId!, expect.stringMatching(/^\/patients/) as unknown as string);
  });

  it('over graphql-ws: the same safe error, and a warn line with the vendor text under its requestId', async () => {
    t.nex.faults.add({ method: 'GET', path: '/charges', status: 400, errorText: VENDOR_TEXT });
    const outcome = await wsOnce(t.url, KEYS.all, CHARGES, { practiceId: SMILE, patientId: PATIENT });
    expect(outcome.results).toHaveLength(1);
    const errors = outcome.results[0]!.errors!;
    expect(errors).toHaveLength(1);
    const requestId = errors[0]!.extensions?.requestId as string;
    expect(requestId).toMatch(/^[0-9a-f-]{36}$/);
    expectSafe(errors[0]!, 'UPSTREAM_REJECTED', requestId);
    expect(JSON.stringify(outcome)).not.toContain(MARKER);
    const line = expectLogged(requestId, '/charges');
    expect(line.transport).toBe('graphql-ws');
  });

  it('an unavailable upstream says to retry later; the log has the status and endpoint', async () => {
    t.nex.faults.add({ method: 'GET', path: '/charges', status: 503, errorText: VENDOR_TEXT });
    const r = await post(CHARGES, { practiceId: SMILE, patientId: PATIENT });
    const error = r.body.errors[0];
    expect(error.extensions).toEqual({
      code: 'UPSTREAM_UNAVAILABLE',
      system: 'NexHealth',
      upstreamStatus: 503,
      requestId: r.requestId,
    });
    expect(error.message).toMatch(/did not answer \(HTTP 503\)\. Retry later/);
    expect(r.text).not.toContain(MARKER);
    const line = logged().find((entry) => entry.requestId === r.requestId)!;
    expect(line.level).toBe(40);
    expect(line.upstream).toEqual([
      expect.objectContaining({ code: 'UPSTREAM_UNAVAILABLE', system: 'NexHealth', status: 503, endpoint: '/charges' }),
    ]);
  });

  it('a write the upstream rejects: failureReason keeps the vendor’s words for staff, never a credential', async () => {
    t.nex.faults.add({
      method: 'POST',
      path: '/payments',
      status: 400,
      errorText: `${VENDOR_TEXT}; Authorization: Bearer ${ECHOED_TOKEN}`,
    });
    const input = {
      practiceId: SMILE,
      patientId: PATIENT,
      amount: '10.00',
      paymentTypeId: NEX_SEED.paymentTypes.openDental.cash,
    };
    const r = await post(PAY, { input: { ...input, idempotencyKey: `upstream-errors-${++seq}` } });
    expect(r.body.errors).toBeUndefined();
    const tx = r.body.data.createPaymentTransaction.transaction;
    expect(tx.status).toBe('FAILED');
    expect(tx.failureReason).toContain(MARKER);
    expect(tx.failureReason).toContain('Bearer [redacted]');
    expect(r.text).not.toContain(ECHOED_TOKEN);
    expect(lines.join('\n')).not.toContain(ECHOED_TOKEN);
  });
});
