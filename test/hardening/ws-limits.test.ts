/**
 * graphql-ws operations obey the same limits as HTTP: query limits (tokens, depth, aliases, cost),
 * the per-key rate limit, and introspection per key. Before, the socket bypassed Apollo's plugins.
 * The sockets themselves are bounded too: message size, the connection_init deadline, connections
 * per key and per address, keep-alive pings and an idle timeout.
 */
import { performance } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultLimits } from '../../src/config';
import { KEYS, startTestGateway, type TestGateway } from '../e2e/harness';
import { announceOversizedMessage, openSocket, wsCodes, wsOnce } from './ws';

const TINY = 'test-key-tiny-rate-limit-00000000009';
let t: TestGateway;

beforeAll(async () => {
  t = await startTestGateway({
    config: (raw) => {
      raw.limits = { maxDepth: 4, maxAliases: 3, maxTokens: 200, maxCost: 20000 };
      raw.apiKeys.push({ name: 'tiny', key: TINY, practices: ['smile-dental'], requestsPerMinute: 2 });
    },
  });
});
afterAll(async () => {
  await t?.close();
});

const SHALLOW = 'subscription { transactionStatusChanged(practiceId: "smile-dental") { transactionId status } }';
const DEEP = `subscription { transactionStatusChanged(practiceId: "smile-dental") {
  records { ... on Payment { charge { claim { provider: sourceId } provider { name } } } } } }`;
const ALIASES = `subscription { transactionStatusChanged(practiceId: "smile-dental") { a: transactionId b: status c: kind d: id } }`;
const TOKENS = `subscription { transactionStatusChanged(practiceId: "smile-dental") { ${'transactionId '.repeat(250)} } }`;

describe('graphql-ws operations obey the query limits', () => {
  it('a shallow subscription is accepted (no error within the wait)', async () => {
    const outcome = await wsOnce(t.url, KEYS.smile, SHALLOW, {}, 300);
    expect(wsCodes(outcome)).toEqual([]);
  });

  it.each([
    ['depth', DEEP, 'maxDepth'],
    ['aliases', ALIASES, 'maxAliases'],
    ['tokens', TOKENS, 'maxTokens'],
  ])('too many %s → QUERY_TOO_COMPLEX', async (_what, query, limit) => {
    const outcome = await wsOnce(t.url, KEYS.smile, query, {}, 1000);
    expect(wsCodes(outcome)).toEqual(['QUERY_TOO_COMPLEX']);
    expect(outcome.errors[0]?.extensions?.limit).toBe(limit);
    expect(outcome.errors[0]?.extensions?.http).toBeUndefined();
    // The same document over HTTP as a query is refused the same way (parity).
  });

  it('queries sent over the socket are limited too (graphql-ws executes queries and mutations)', async () => {
    const deepQuery =
      '{ patient(practiceId: "smile-dental", patientId: "1") { guarantor { patients { guarantor { sourceId } } } } }';
    const outcome = await wsOnce(t.url, KEYS.smile, deepQuery, {}, 1000);
    expect(wsCodes(outcome)).toEqual(['QUERY_TOO_COMPLEX']);
    const http = await t.gql(deepQuery, {}, KEYS.smile);
    expect(http.errors?.map((e) => e.extensions?.code)).toEqual(['QUERY_TOO_COMPLEX']);
  });
});

describe('graphql-ws operations obey the per-key rate limit', () => {
  it('the third operation of a 2-per-minute key is RATE_LIMITED with retryAfterSeconds', async () => {
    const codes: string[][] = [];
    for (let i = 0; i < 3; i++) codes.push(wsCodes(await wsOnce(t.url, TINY, SHALLOW, {}, 200)));
    expect(codes).toEqual([[], [], ['RATE_LIMITED']]);
    const last = await wsOnce(t.url, TINY, SHALLOW, {}, 200);
    expect(last.errors[0]?.extensions?.retryAfterSeconds).toBeGreaterThanOrEqual(1);
    // Other keys are unaffected.
    expect(wsCodes(await wsOnce(t.url, KEYS.smile, SHALLOW, {}, 200))).toEqual([]);
  });
});

describe('websocket limits', () => {
  const TWICE = 'test-key-two-connections-0000000012';
  const LIMITS = {
    maxBodyBytes: 10_000,
    maxWsConnectionsPerKey: 2,
    maxWsConnectionsPerAddress: 3,
    wsConnectionInitTimeoutMs: 300,
    wsPingIntervalMs: 200,
    wsIdleTimeoutMs: 2000,
  };
  let g: TestGateway;
  const open: Array<{ socket: { close(): void } }> = [];

  beforeAll(async () => {
    g = await startTestGateway({
      config: (raw) => {
        raw.limits = LIMITS;
        raw.apiKeys.push({ name: 'twice', key: TWICE, practices: ['smile-dental'] });
        raw.apiKeys.push({ name: 'tiny', key: TINY, practices: ['smile-dental'] });
      },
    });
  });
  afterAll(async () => {
    for (const { socket } of open) socket.close();
    await g?.close();
  });

  /** A socket kept open until the end of the file; every test uses its own loopback address. */
  async function keep(key: string | null, localAddress: string, autoPong = true) {
    const opened = await openSocket(g.url, key, { localAddress, autoPong });
    open.push(opened);
    return opened;
  }

  it('the defaults: connection_init within 5 s, messages no larger than an HTTP body', () => {
    expect(defaultLimits.wsConnectionInitTimeoutMs).toBe(5000);
    expect(defaultLimits.maxWsConnectionsPerKey).toBeGreaterThan(0);
    expect(defaultLimits.maxWsConnectionsPerAddress).toBeGreaterThan(0);
  });

  it('refuses an oversized first message from its header (1009), without waiting for its body', async () => {
    // Only the header and 8 bytes are sent: an answer proves the server did not wait to buffer 60 MB.
    expect(await announceOversizedMessage(g.url, 60_000_000)).toBe(1009);
    expect(await announceOversizedMessage(g.url, LIMITS.maxBodyBytes + 1)).toBe(1009);
  });

  it('closes a socket that sends no connection_init with 4408 once the configured wait is over', async () => {
    const started = performance.now();
    const { closed } = await openSocket(g.url, null, { localAddress: '127.0.0.2' });
    expect(await closed).toMatchObject({ code: 4408 });
    expect(performance.now() - started).toBeLessThan(LIMITS.wsConnectionInitTimeoutMs + 1500);
  });

  it('refuses the connection past maxWsConnectionsPerKey with 4429, from any address', async () => {
    expect((await keep(TWICE, '127.0.0.3')).acked).toBe(true);
    expect((await keep(TWICE, '127.0.0.3')).acked).toBe(true);
    const third = await keep(TWICE, '127.0.0.4');
    expect(third.acked).toBe(false);
    expect(await third.closed).toEqual({ code: 4429, reason: 'too many connections for API key "twice" (limit 2)' });
  });

  it('refuses the connection past maxWsConnectionsPerAddress with 4429, whatever the keys', async () => {
    for (const key of [KEYS.smile, KEYS.noIntrospection, TINY]) expect((await keep(key, '127.0.0.5')).acked).toBe(true);
    const fourth = await keep(KEYS.all, '127.0.0.5');
    expect(fourth.acked).toBe(false);
    expect(await fourth.closed).toEqual({ code: 4429, reason: 'too many connections from this address (limit 3)' });
    // Another address is not affected.
    expect((await keep(KEYS.all, '127.0.0.6')).acked).toBe(true);
  });

  it('terminates a socket that stops answering pings', async () => {
    const silent = await keep(KEYS.all, '127.0.0.7', false);
    expect(silent.acked).toBe(true);
    let pings = 0;
    silent.socket.on('ping', () => pings++);
    // Terminated (no close frame: 1006), after a ping it did not answer, well before the idle timeout.
    expect((await silent.closed).code).toBe(1006);
    expect(pings).toBeGreaterThanOrEqual(1);
  });

  it('closes a socket idle for wsIdleTimeoutMs even though it answers pings; a live subscription is not idle', async () => {
    // Keys with one socket left under maxWsConnectionsPerKey (the tests above keep theirs open).
    const idle = await keep(KEYS.smile, '127.0.0.8');
    const busy = await keep(KEYS.noIntrospection, '127.0.0.9');
    expect(idle.acked && busy.acked).toBe(true);
    busy.socket.send(
      JSON.stringify({
        id: '1',
        type: 'subscribe',
        payload: { query: 'subscription { transactionStatusChanged(practiceId: "smile-dental") { status } }' },
      }),
    );
    let idlePings = 0;
    idle.socket.on('ping', () => idlePings++);
    expect(await idle.closed).toEqual({ code: 1000, reason: 'idle for 2 s with no operation' });
    expect(idlePings).toBeGreaterThanOrEqual(3); // answering pings is not activity
    // The subscriber, open as long, is still there: wait two more idle periods' worth of pings.
    await new Promise<void>((resolve) => {
      let pings = 0;
      busy.socket.on('ping', () => {
        if (++pings === (2 * LIMITS.wsIdleTimeoutMs) / LIMITS.wsPingIntervalMs) resolve();
      });
    });
    expect(busy.socket.readyState).toBe(busy.socket.OPEN);
  }, 15_000);
});
