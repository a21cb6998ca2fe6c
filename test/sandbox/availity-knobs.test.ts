/**
 * The Availity simulator's knobs over raw HTTP (fetch, no adapter): faults with and without
 * Retry-After, 5xx, timeouts and resets; the rate limit and the clock; members and their scripts
 * (a payer that never answers, any AAA); coverage expiry and DELETE; the request log and reset;
 * sandbox mode's connections. The helpers (shared with `availity.test.ts`): `availity-helpers.ts`.
 */
import { describe, expect, it } from 'vitest';
import { AVAILITY_SANDBOX_CLIENTS } from '../../src/sandbox/availity';
import { availitySandboxPractices } from '../../src/sandbox/availity/mode';
import { coverageForm, FORM, JANE, T0, useAvailitySimulator } from './availity-helpers';

const sim = useAvailitySimulator();
const { tokenResponse, token, post, get, control, pollAll } = sim;

describe('knobs', () => {
  it('forces a 429 without Retry-After unless the rule sets one, then 503 and 500, counted in the request log', async () => {
    const bearer = await token();
    // Every matching rule counts a hit, so each is added once the one before has fired.
    const added = await control('POST', 'faults', { path: '/coverages', method: 'POST', status: 429, times: 1 });
    expect(added.status).toBe(201);
    const first = await post(bearer, coverageForm(JANE));
    expect([first.res.status, first.res.headers.get('retry-after')]).toEqual([429, null]);
    await control('POST', 'faults', [{ path: '/coverages', method: 'POST', status: 429, retryAfterSeconds: 2, times: 1 }]);
    const second = await post(bearer, coverageForm(JANE));
    expect([second.res.status, second.res.headers.get('retry-after')]).toEqual([429, '2']);
    await control('POST', 'faults', { path: '/coverages', method: 'POST', status: 503, times: 1 });
    expect((await post(bearer, coverageForm(JANE))).res.status).toBe(503);
    sim.sandbox.faults.add({ path: '/coverages', method: 'POST', status: 500, times: 1 });
    expect((await post(bearer, coverageForm(JANE))).res.status).toBe(500);
    expect((await post(bearer, coverageForm(JANE))).res.status).toBe(200);
    const posts = sim.sandbox.requests.filter((r) => r.route === '/coverages');
    expect(posts.map((r) => r.status)).toEqual([429, 429, 503, 500, 200]);
    // Faults create nothing: only the last POST made a coverage.
    expect(sim.sandbox.coverage('0000000001')).toBeDefined();
    expect(sim.sandbox.coverage('0000000002')).toBeUndefined();
  });

  it('delays an answer past a client timeout, and resets a connection', async () => {
    const bearer = await token();
    sim.sandbox.faults.add({ path: '/coverages', method: 'POST', responseTimeMs: 2_000, times: 1 });
    const timedOut = fetch(`${sim.sandbox.baseUrl}/coverages`, {
      method: 'POST',
      headers: { authorization: `Bearer ${bearer}`, 'content-type': FORM },
      body: coverageForm(JANE),
      signal: AbortSignal.timeout(50),
    });
    await expect(timedOut).rejects.toThrow();
    sim.sandbox.faults.add({ path: '/coverages/', method: 'GET', reset: true, times: 1 });
    await expect(get(bearer, '0000000001')).rejects.toThrow();
  });

  it('rate-limits per client (429, no Retry-After) and opens the next second when the clock moves', async () => {
    expect((await control('POST', 'rate-limit', { perSecond: 2 })).json).toEqual({ perSecond: 2, perDay: 100_000 });
    const bearer = await token();
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await post(bearer, coverageForm(JANE))).res);
    expect(statuses.map((r) => r.status)).toEqual([200, 200, 429]);
    expect(statuses[2]!.headers.get('retry-after')).toBeNull();
    sim.sandbox.clock.advance(1000);
    expect((await post(bearer, coverageForm(JANE))).res.status).toBe(200);
    sim.sandbox.setRateLimit({ perSecond: 100, perDay: 3 }); // three counted today so far
    sim.sandbox.clock.advance(1000);
    expect((await post(bearer, coverageForm(JANE))).res.status).toBe(429);
    sim.sandbox.clock.advance(86_400_000);
    expect((await post(await token(), coverageForm(JANE))).res.status).toBe(200);
  });

  it('adds a member with its script (every AAA a test needs, a payer that never answers)', async () => {
    const bearer = await token();
    const added = await control('POST', 'members', {
      memberId: 'AVL100042',
      patient: { firstName: 'Ivy', lastName: 'Nash', birthDate: '1970-01-01' },
      steps: [
        { statusCode: '0' },
        { statusCode: '19', validationMessages: [{ code: '42', errorMessage: 'Unable to Respond at Current Time' }] },
      ],
    });
    expect(added.status).toBe(201);
    const ivy = { memberId: 'AVL100042', lastName: 'NASH', birthDate: '1970-01-01' };
    const { res, json } = await post(bearer, coverageForm(ivy));
    expect(res.status).toBe(202);
    expect((await pollAll(bearer, json.id)).last.validationMessages[0].code).toBe('42');
    sim.sandbox.addMember({
      memberId: 'AVL100043',
      patient: { firstName: 'Never', lastName: 'ANSWERS', birthDate: '1970-01-01' },
      steps: [{ statusCode: '0' }],
    });
    const never = await post(bearer, coverageForm({ memberId: 'AVL100043', lastName: 'Answers', birthDate: '1970-01-01' }));
    expect((await pollAll(bearer, never.json.id, 20)).last).toBeNull();
    expect(sim.sandbox.coverage(never.json.id)!.answered).toBe(21);
    sim.sandbox.addMember({
      memberId: 'AVL100044',
      patient: { firstName: 'Copy', lastName: 'CAT', birthDate: '1970-01-01' },
      steps: [{ statusCode: '4', benefitsOf: 'AVL000001' }],
    });
    const copy = await post(bearer, coverageForm({ memberId: 'AVL100044', lastName: 'Cat', birthDate: '1970-01-01' }));
    expect(copy.json.plans[0].planName).toBe('ACME PPO');
    expect((await control('POST', 'members', { memberId: 'x', patient: {}, steps: [] })).status).toBe(400);
  });

  it('expires coverage ids (24 h, or the knob) and deletes them: a GET then answers 404', async () => {
    const bearer = await token();
    const first = (await post(bearer, coverageForm(JANE))).json.id;
    const second = (await post(bearer, coverageForm(JANE))).json.id;
    const third = (await post(bearer, coverageForm(JANE))).json.id;
    expect((await control('POST', `coverages/${first}/expire`)).status).toBe(200);
    expect((await get(bearer, first)).res.status).toBe(404);
    const deleted = await fetch(`${sim.sandbox.baseUrl}/coverages/${second}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${bearer}` },
    });
    expect(deleted.status).toBe(204);
    expect((await get(bearer, second)).res.status).toBe(404);
    expect((await get(bearer, third)).res.status).toBe(200);
    await control('POST', 'clock/advance', { ms: 86_400_000 });
    const fresh = await token();
    expect((await get(fresh, third)).res.status).toBe(404);
    // Another client never sees a coverage it did not create.
    const other = (await post(fresh, coverageForm(JANE))).json.id;
    expect((await get(await token(AVAILITY_SANDBOX_CLIENTS.unsubscribed), other)).res.status).toBe(403);
  });

  it('serves the request log over HTTP and resets to the seed', async () => {
    const bearer = await token();
    await post(bearer, coverageForm(JANE));
    const log = await control('GET', 'requests');
    expect(log.json.map((r: any) => [r.method, r.route, r.status])).toEqual([
      ['POST', '/token', 200],
      ['POST', '/coverages', 200],
    ]);
    expect(log.json[1].form).toContainEqual(['serviceType', '98']);
    sim.sandbox.addMember({
      memberId: 'AVL100045',
      patient: { firstName: 'A', lastName: 'B', birthDate: '1970-01-01' },
      steps: [{ statusCode: '7' }],
    });
    sim.sandbox.clock.advance(10_000);
    await control('POST', 'reset');
    expect(sim.sandbox.requests).toHaveLength(0);
    expect(sim.sandbox.clock.now()).toBe(T0);
    const again = await token();
    const { json } = await post(again, coverageForm({ memberId: 'AVL100045', lastName: 'B', birthDate: '1970-01-01' }));
    expect(json.validationMessages[0].code).toBe('75');
    expect(json.id).toBe('0000000001');
  });
});

describe('sandbox mode', () => {
  it('gives every coverage practice a connection that gets a token and checks AVL000001', async () => {
    const practices = availitySandboxPractices(sim.sandbox);
    expect(practices.map((p) => p.id)).toEqual(
      expect.arrayContaining(['summit-health', 'lakeview-epic', 'open-fhir', 'smile-dental', 'northside']),
    );
    const { connection, service } = practices[0]!;
    expect(service).toMatchObject({ providerNpi: '1234567893', inNetwork: true });
    expect(service.payerIds['Organization/490016987']).toBe('SANDBOX1');
    const { json } = await tokenResponse(
      {
        grant_type: 'client_credentials',
        client_id: connection.clientId,
        client_secret: connection.clientSecret,
        scope: connection.scope,
      },
      connection.tokenUrl,
    );
    const checked = await fetch(`${connection.baseUrl}/coverages`, {
      method: 'POST',
      headers: { authorization: `Bearer ${json.access_token}`, 'content-type': FORM },
      body: coverageForm(JANE, [['providerNpi', service.providerNpi]]),
    });
    expect(((await checked.json()) as any).statusCode).toBe('4');
  });
});
