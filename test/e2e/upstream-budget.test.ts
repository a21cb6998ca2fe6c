/**
 * The upstream budget through the public API: two practices on ONE NexHealth credential (the
 * sandbox's two locations share its key), the sandbox enforcing the spec's rate limits. Practice A
 * floods with expensive list queries; practice B keeps answering. Counted on the sandbox's request
 * log (statuses, order), not on wall-clock limits.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { defaultLimits } from '../../src/config';
import { NEX_SEED } from '../../src/sandbox/nexhealth';
import { type GqlResult, KEYS, startTestGateway, type TestGateway } from './harness';

const FLOOD = '{ practice(id: "smile-dental") { patients(first: 200) { nodes { sourceId balance { total { amount } } } } } }';
// A patient of the Dentrix location (practice B), read by B's own key-less small query.
const SMALL = `{ patient(practiceId: "bright-dentrix", patientId: "${NEX_SEED.families.brennan.guarantorId}") { balance { total { amount } } } }`;

describe('upstream budget (end to end, NexHealth sandbox with its spec rate limits)', () => {
  let t: TestGateway;
  afterEach(async () => {
    await t?.close();
  });

  it('practice A flooding the shared credential: the vendor sees no 429, practice B keeps answering within its turn', async () => {
    // The sandbox's default limits are the spec's: 100/s, 1,000/min on /patients*, 2,000/min others.
    t = await startTestGateway({ nexhealth: { rateLimits: {} } });
    const [smile, bright] = ['smile-dental', 'bright-dentrix'].map((id) => t.config.practices.find((p) => p.id === id)!);
    expect(smile!.connection).toMatchObject({ apiKey: (bright!.connection as { apiKey: string }).apiKey });
    const aLocation = t.nex.locations.openDental;
    const bLocation = t.nex.locations.dentrix;

    const flood = Array.from({ length: 10 }, () => t.gql(FLOOD));
    const b: GqlResult<any>[] = [];
    for (let i = 0; i < 5; i++) b.push(await t.gql(SMALL));
    const a = await Promise.all(flood);

    const requests = t.nex.requests;
    const refused = requests.filter((r) => r.status === 429);
    const aCalls = requests.filter((r) => r.query.location_id === aLocation);
    expect(aCalls.length).toBeGreaterThan(100); // the flood was one
    // No call was refused by the vendor: the budget kept the credential under the published limits.
    expect(refused).toHaveLength(0);
    // B's every query answered, without error.
    for (const result of b) {
      expect(result.errors).toBeUndefined();
      expect(result.data.patient.balance.total.amount).toMatch(/^-?\d+\.\d{2}$/);
    }
    // A's flood answered too (slower: it waited its turns).
    for (const result of a) expect(result.errors).toBeUndefined();
    // B did not queue behind the flood: its last call reached the vendor before A's last one.
    const lastOf = (location: string) => requests.findLastIndex((r) => r.query.location_id === location);
    expect(lastOf(bLocation)).toBeLessThan(lastOf(aLocation));
  });

  it('limits.maxUpstreamCalls cuts a request off with QUERY_TOO_COMPLEX on the fields it reached; the rest answers', async () => {
    expect(defaultLimits.maxUpstreamCalls).toBe(500);
    t = await startTestGateway({
      config: (raw) => {
        raw.limits = { maxUpstreamCalls: 10 };
      },
    });
    const result = await t.gql(`{ practices { id } ${FLOOD.slice(1, -1)} }`, {}, KEYS.all);
    expect(result.status).toBe(200);
    expect(result.data?.practices.map((p: { id: string }) => p.id)).toContain('bright-dentrix');
    const codes = new Set(result.errors?.map((e) => e.extensions?.code));
    expect([...codes]).toEqual(['QUERY_TOO_COMPLEX']);
    expect(result.errors![0]!.message).toMatch(/more than 10 upstream calls \(limits\.maxUpstreamCalls\): lower `first`/);
    expect(result.errors![0]!.extensions).toMatchObject({ limit: 'maxUpstreamCalls', maxUpstreamCalls: 10 });
    // The cap held: at most 10 exchanges reached the vendor for this request.
    expect(t.nex.requests.length).toBeLessThanOrEqual(10);
    // The next request has its own count.
    const small = await t.gql(SMALL);
    expect(small.errors).toBeUndefined();
  });
});
