import { Writable } from 'node:stream';
import { HeaderMap, type ApolloServer } from '@apollo/server';
import { pino } from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logging/logger';
import { practiceIdsOf, requestLogging, saneRequestId } from '../../src/plugins/request-logging';
import { caller, guardPlugin, single, startServer, type TestContext } from './helpers';

// One graphql for everything, as under Node (see helpers.ts).

const lines: string[] = [];
const sink = new Writable({
  write(chunk, _encoding, done) {
    lines.push(...String(chunk).split('\n').filter(Boolean));
    done();
  },
});

const PAYMENT = `mutation Pay($input: PaymentInput!) { createPayment(input: $input) { id amount } }`;
const SECRET_INPUT = {
  practiceId: 'smile-dental',
  patientId: 'pat-90210',
  amount: '123.45',
  card: { number: '4111111111111111', cvv: '737', nameOnCard: 'Ada Lovelace' },
};

describe('requestLogging plugin', () => {
  let server: ApolloServer<TestContext>;
  let clock = 0;
  let ids = 0;
  const run = (query: string, variables?: Record<string, unknown>, headers?: Record<string, string>, keyName = 'portal') =>
    server.executeOperation(
      {
        query,
        variables,
        ...(headers ? { http: { method: 'POST', headers: new HeaderMap(Object.entries(headers)), search: '', body: {} } } : {}),
      },
      { contextValue: { caller: caller(keyName) } },
    );
  const lastLine = () => JSON.parse(lines.at(-1)!) as Record<string, unknown>;

  beforeAll(async () => {
    const logger = pino({ level: 'info', base: undefined }, sink);
    server = await startServer([
      guardPlugin({ requestsPerMinute: 2, now: () => 0 }),
      requestLogging({
        logger,
        now: () => (clock += 12.5),
        generateId: () => `generated-${++ids}`,
      }),
    ]);
  });
  afterAll(async () => server.stop());
  beforeEach(() => {
    lines.length = 0;
  });

  it('writes one line per operation with id, key, operation, practice ids, duration and outcome', async () => {
    const response = await run(PAYMENT, { input: SECRET_INPUT });
    expect(single(response).errors).toBeUndefined();
    expect(lines).toHaveLength(1);
    const line = lastLine();
    expect(line).toMatchObject({
      level: 30,
      msg: 'graphql operation',
      requestId: 'generated-1',
      keyName: 'portal',
      operation: 'Pay',
      operationType: 'mutation',
      practiceIds: ['smile-dental'],
      durationMs: 12.5,
      outcome: 'ok',
      errorCodes: [],
    });
    expect(response.http.headers.get('x-request-id')).toBe('generated-1');
  });

  it('never logs other variable values nor the query text', async () => {
    await run(PAYMENT, { input: SECRET_INPUT }, undefined, 'logger-2');
    await run(
      'query P($practiceId: ID!, $patientId: ID!) { patient(practiceId: $practiceId, patientId: $patientId) { firstName } }',
      {
        practiceId: 'northside',
        patientId: 'pat-31337',
      },
      undefined,
      'logger-3',
    );
    await run(
      '{ patient(practiceId: "smile-dental", patientId: "pat-literal-777") { firstName } }',
      undefined,
      undefined,
      'logger-4',
    );
    expect(lines).toHaveLength(3);
    const text = lines.join('\n');
    for (const secret of [
      'pat-90210',
      '123.45',
      '4111',
      '737',
      'Ada',
      'Lovelace',
      'pat-31337',
      'pat-literal-777',
      'firstName',
      'createPayment',
    ]) {
      expect(text).not.toContain(secret);
    }
    expect(JSON.parse(lines[1]!).practiceIds).toEqual(['northside']);
    expect(JSON.parse(lines[2]!).practiceIds).toEqual(['smile-dental']);
  });

  it('honours a sane incoming x-request-id and replaces any other', async () => {
    const sane = await run('{ practices { id } }', undefined, { 'x-request-id': 'abc-123.DEF:9_z' }, 'logger-5');
    expect(lastLine().requestId).toBe('abc-123.DEF:9_z');
    expect(sane.http.headers.get('x-request-id')).toBe('abc-123.DEF:9_z');
    await run('{ practices { id } }', undefined, { 'x-request-id': 'evil"}\ninjected' }, 'logger-6');
    expect(lastLine().requestId).toMatch(/^generated-\d+$/);
    await run('{ practices { id } }', undefined, { 'x-request-id': 'x'.repeat(129) }, 'logger-7');
    expect(lastLine().requestId).toMatch(/^generated-\d+$/);
  });

  it('lists the error codes, including those of refusals from other plugins', async () => {
    await run('query M { missing(practiceId: "smile-dental") { id } }', undefined, undefined, 'logger-8');
    expect(lastLine()).toMatchObject({
      operation: 'M',
      practiceIds: ['smile-dental'],
      outcome: 'error',
      errorCodes: ['NOT_FOUND'],
    });
    await run('{ broken }', undefined, undefined, 'logger-8');
    expect(lastLine()).toMatchObject({ level: 50, outcome: 'partial', errorCodes: ['INTERNAL_SERVER_ERROR'] });
    await run('{ practices { id } }', undefined, undefined, 'logger-8'); // third within the minute: 2 per minute
    expect(lastLine()).toMatchObject({ outcome: 'error', errorCodes: ['RATE_LIMITED'] });
    await run('{ practices {', undefined, undefined, 'logger-9');
    expect(lastLine()).toMatchObject({ operation: null, outcome: 'error', errorCodes: ['GRAPHQL_PARSE_FAILED'] });
  });

  it('writes only the lines its level lets through: at warn, an internal error and not a success or a parse error', async () => {
    const out: string[] = [];
    const destination = new Writable({
      write(chunk, _encoding, done) {
        out.push(String(chunk));
        done();
      },
    });
    const quiet = await startServer([requestLogging({ logger: createLogger({ destination, level: 'warn' }) })]);
    try {
      const ok = await quiet.executeOperation(
        { query: PAYMENT, variables: { input: SECRET_INPUT } },
        { contextValue: { caller: caller() } },
      );
      expect(single(ok).errors).toBeUndefined();
      expect(out).toHaveLength(0);
      await quiet.executeOperation({ query: '{ practices {' }, { contextValue: { caller: caller() } });
      expect(out).toHaveLength(0);
      await quiet.executeOperation({ query: '{ broken }' }, { contextValue: { caller: caller() } });
      expect(out).toHaveLength(1);
      expect(JSON.parse(out[0]!)).toMatchObject({ outcome: 'partial', errorCodes: ['INTERNAL_SERVER_ERROR'] });
    } finally {
      await quiet.stop();
    }
  });

  it('works with the project logger and its redaction', async () => {
    const out: string[] = [];
    const destination = new Writable({
      write(chunk, _encoding, done) {
        out.push(String(chunk));
        done();
      },
    });
    const own = await startServer([requestLogging({ logger: createLogger({ destination }) })]);
    try {
      await own.executeOperation({ query: PAYMENT, variables: { input: SECRET_INPUT } }, { contextValue: { caller: caller() } });
      expect(out).toHaveLength(1);
      const line = JSON.parse(out[0]!);
      expect(line).toMatchObject({ service: 'ledger-gateway', operation: 'Pay', practiceIds: ['smile-dental'] });
      expect(line.requestId).toMatch(/^[0-9a-f-]{36}$/);
      expect(typeof line.durationMs).toBe('number');
    } finally {
      await own.stop();
    }
  });
});

describe('helpers', () => {
  it('saneRequestId accepts short tokens only', () => {
    expect(saneRequestId(' req-1 ')).toBe('req-1');
    expect(saneRequestId('a b')).toBeUndefined();
    expect(saneRequestId('')).toBeUndefined();
    expect(saneRequestId(undefined)).toBeUndefined();
  });

  it('practiceIdsOf reads practiceId variables and arguments, and ignores what is not a practice id', async () => {
    const { parse } = await import('graphql');
    const document = parse(
      '{ a: practice(id: "north") { id } b: patient(practiceId: "Bad Id!", patientId: "x") { id } c: missing(practiceId: $p) { id } }',
    );
    expect(practiceIdsOf(document, { p: 'east-1', practiceId: 'west', input: { practiceId: 'south' } }).sort()).toEqual([
      'east-1',
      'north',
      'south',
      'west',
    ]);
    expect(practiceIdsOf(undefined, { practiceId: { nested: 'object' } })).toEqual([]);
  });

  it('practiceIdsOf reads each request its own variables when the same document comes again (its sites are found once)', async () => {
    const { parse } = await import('graphql');
    const document = parse('query Q($p: ID!) { practice(id: $p) { id } other: practice(id: "fixed") { id } }');
    expect(practiceIdsOf(document, { p: 'east-1' })).toEqual(['east-1', 'fixed']); // in document order
    expect(practiceIdsOf(document, { p: 'west-2' }).sort()).toEqual(['fixed', 'west-2']);
    expect(practiceIdsOf(document, { p: 'Not A Practice' })).toEqual(['fixed']);
    expect(practiceIdsOf(document, {})).toEqual(['fixed']);
  });
});
