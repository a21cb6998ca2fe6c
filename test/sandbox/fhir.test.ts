import { randomUUID } from 'node:crypto';
import { importPKCS8, SignJWT } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { generateSandboxKeyPair } from '../../src/sandbox/fhir/clients';
import { EPIC_SEED, type FhirSandbox, GENERIC_SEED, ORACLE_SEED, startFhirSandbox } from '../../src/sandbox/fhir';
import { startSandboxMode } from '../../src/sandbox/fhir/mode';
import { assertion, call, matches, requestToken, token } from './fhir-client';

let fhir: FhirSandbox;

beforeAll(async () => {
  fhir = await startFhirSandbox();
});
afterAll(async () => {
  await fhir.close();
});
afterEach(() => {
  fhir.faults.clear();
  fhir.resetRequestLog();
});

describe('discovery', () => {
  it('serves smart-configuration and metadata on each mount without auth', async () => {
    for (const profile of ['oracle-health', 'epic', 'generic'] as const) {
      const smart = (await (await fetch(`${fhir.mounts[profile]}/.well-known/smart-configuration`)).json()) as any;
      expect(smart.token_endpoint).toBe(fhir.clients[profile].tokenUrl);
      expect(smart.token_endpoint_auth_methods_supported).toContain('private_key_jwt');
      expect(smart.token_endpoint_auth_signing_alg_values_supported).toContain('RS384');
      const metadata = (await (await fetch(`${fhir.mounts[profile]}/metadata`)).json()) as any;
      expect(metadata.fhirVersion).toBe('4.0.1');
      const oauth = metadata.rest[0].security.extension.find(
        (e: any) => e.url === 'http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris',
      );
      expect(oauth.extension.find((e: any) => e.url === 'token').valueUri).toBe(fhir.clients[profile].tokenUrl);
      const batch = metadata.rest[0].interaction.some((i: any) => i.code === 'batch');
      expect(batch).toBe(profile === 'generic');
    }
    expect(fhir.mounts['oracle-health']).toBe(`${fhir.url}/oracle/r4/ec2458f2-1e24-41c8-b71b-0e701af7583d`);
    expect(fhir.clients['oracle-health'].tokenUrl).toBe(
      `${fhir.url}/oracle/tenants/ec2458f2-1e24-41c8-b71b-0e701af7583d/protocols/oauth2/profiles/smart-v1/token`,
    );
  });
});

describe('token endpoint', () => {
  it('issues a 300 s bearer token for a good assertion, with the requested scopes', async () => {
    const res = await requestToken(fhir, 'epic', { scope: 'system/Patient.read system/Coverage.read' });
    expect(res.status).toBe(200);
    const body = (await res.json()) as any;
    expect(body.token_type.toLowerCase()).toBe('bearer');
    expect(body.expires_in).toBe(300);
    expect(body.scope).toBe('system/Patient.read system/Coverage.read');
    const read = await call(fhir, 'epic', body.access_token, `/Patient/${EPIC_SEED.jane.patientId}`);
    expect(read.status).toBe(200);
    // The token is the epic mount's: another mount refuses it.
    expect((await call(fhir, 'generic', body.access_token, `/Patient/${GENERIC_SEED.alvarez.patientId}`)).status).toBe(401);
  });

  it('refuses a bad signature, a wrong aud, exp more than 300 s away, a reused jti, another alg and an unknown kid', async () => {
    const other = await generateSandboxKeyPair();
    // Each assertion is made just before it is sent. The exp case is 330 s, not 301 s: one second of
    // margin was lost on a loaded machine between signing and the simulator's check.
    const cases: Array<[string, () => Promise<string>]> = [
      ['bad signature', () => assertion(fhir, 'generic', { privateKeyPem: other.privateKeyPem })],
      ['wrong aud', () => assertion(fhir, 'generic', { aud: `${fhir.mounts.generic}/token` })],
      ['exp 330 s', () => assertion(fhir, 'generic', { expiresInSeconds: 330 })],
      ['unknown kid', () => assertion(fhir, 'generic', { kid: 'nope' })],
      ['RS256', () => assertion(fhir, 'generic', { alg: 'RS256' })],
      ['unknown client', () => assertion(fhir, 'generic', { iss: 'someone-else' })],
    ];
    for (const [label, jwt] of cases) {
      const res = await requestToken(fhir, 'generic', { jwt: await jwt() });
      expect([label, res.status]).toEqual([label, 401]);
      expect(((await res.json()) as any).error).toBe('invalid_client');
    }
    const jwt = await assertion(fhir, 'generic', { jti: 'fixed-jti-1' });
    expect((await requestToken(fhir, 'generic', { jwt })).status).toBe(200);
    const replay = await requestToken(fhir, 'generic', { jwt });
    expect(replay.status).toBe(401);
    expect(((await replay.json()) as any).error_description).toMatch(/jti/);
  });

  it('answers invalid_scope for an unknown scope, and 403 on a resource the token has no scope for', async () => {
    const res = await requestToken(fhir, 'epic', { scope: 'system/Patient.read system/Account.read' });
    expect(res.status).toBe(400);
    expect(((await res.json()) as any).error).toBe('invalid_scope');
    const narrow = await token(fhir, 'epic', 'system/Patient.read');
    const coverage = await call(fhir, 'epic', narrow, `/Coverage?patient=${EPIC_SEED.jane.patientId}`);
    expect(coverage.status).toBe(403);
    expect(coverage.body.resourceType).toBe('OperationOutcome');
  });

  it('accepts SMART v2 scope forms on generic only', async () => {
    const v2 = await token(fhir, 'generic', 'system/Patient.rs system/PaymentReconciliation.c');
    expect((await call(fhir, 'generic', v2, `/Patient/${GENERIC_SEED.alvarez.patientId}`)).status).toBe(200);
    const oracle = await requestToken(fhir, 'oracle-health', { scope: 'system/Patient.rs' });
    expect(oracle.status).toBe(400);
  });

  it('takes Basic client credentials on the oracle mount only', async () => {
    const oracle = fhir.clients['oracle-health'];
    const good = await requestToken(fhir, 'oracle-health', { basic: `${oracle.clientId}:${oracle.clientSecret}` });
    expect(good.status).toBe(200);
    const wrong = await requestToken(fhir, 'oracle-health', { basic: `${oracle.clientId}:nope` });
    expect(wrong.status).toBe(401);
    const generic = await requestToken(fhir, 'generic', { basic: `${fhir.clients.generic.clientId}:${oracle.clientSecret}` });
    expect(generic.status).toBe(401);
  });

  it('answers 401 with an OperationOutcome once tokens expire', async () => {
    const bearer = await token(fhir, 'generic');
    fhir.expireTokens();
    const res = await call(fhir, 'generic', bearer, `/Patient/${GENERIC_SEED.alvarez.patientId}`);
    expect(res.status).toBe(401);
    expect(res.body.resourceType).toBe('OperationOutcome');
  });
});

describe('oracle-health reads', () => {
  let bearer: string;
  beforeAll(async () => {
    bearer = await token(fhir, 'oracle-health');
  });

  it('reads a Patient and answers 404 for an unknown one (the non-patient guarantor)', async () => {
    const nancy = await call(fhir, 'oracle-health', bearer, `/Patient/${ORACLE_SEED.nancy.patientId}`);
    expect(nancy.status).toBe(200);
    expect(nancy.headers.get('content-type')).toMatch(/application\/fhir\+json/);
    expect(nancy.body.name[0]).toMatchObject({ use: 'official', family: 'SMART', given: ['NANCY'] });
    const person = await call(fhir, 'oracle-health', bearer, '/Patient/12742401');
    expect(person.status).toBe(404);
    expect(person.body.issue[0].severity).toBe('error');
  });

  it('answers each allowed combination', async () => {
    const ok = async (path: string) => {
      const res = await call(fhir, 'oracle-health', bearer, path);
      expect([path, res.status]).toEqual([path, 200]);
      return matches(res.body);
    };
    const related = await ok(`/RelatedPerson?patient=${ORACLE_SEED.hailey.patientId}&-relationship-level=Patient`);
    expect(related.map((r) => r.id)).toEqual([ORACLE_SEED.hailey.relatedPersonId]);
    expect(related[0].relationship[0].coding[0]).toEqual({
      system: 'http://terminology.hl7.org/CodeSystem/v3-RoleCode',
      code: 'GT',
    });
    const financial = await ok(`/Account?-guarantor=${ORACLE_SEED.nancy.relatedPersonId}&type=financial-account&_count=100`);
    expect(financial.map((a) => a.subject[0].reference).sort()).toEqual(['Patient/12724066', 'Patient/12724068']);
    const encounters = await ok(`/Encounter?patient=${ORACLE_SEED.nancy.patientId}&_count=100`);
    expect(encounters.map((e) => e.id)).toEqual(['97953536', '97953601']);
    const balance = await ok('/Account?-encounter=97953601&type=guarantor-balance');
    expect(balance[0].id).toBe('G2572739');
    expect(balance[0].extension[0]).toEqual({
      url: 'https://fhir-ehr.cerner.com/r4/StructureDefinition/account-balance',
      valueMoney: { value: '-5.00', currency: 'USD' },
    });
    expect((await ok('/Account?_id=G2572738'))[0].extension[0].valueMoney.value).toBe('125.00');
    const charges = await ok('/ChargeItem?context=97953536&-status=billable&_count=100');
    expect(charges.map((c) => [c.id, c.code.coding[0].code, c.extension[0].valueMoney.value])).toEqual([
      ['321088041', '99213', 180],
      ['321088042', '85025', 30],
    ]);
    expect((await ok('/ChargeItem?_id=321088043'))[0].context.reference).toBe('Encounter/97953601');
    expect((await ok('/ChargeItem?account=C2572740&-status=billable')).map((c) => c.id)).toEqual(['321088050']);
    const coverage = await ok(`/Coverage?patient=${ORACLE_SEED.nancy.patientId}`);
    expect(coverage[0]).toMatchObject({ id: ORACLE_SEED.coverageId, subscriberId: 'W123456789' });
    expect((await ok('/Coverage?-encounter=97953536'))[0].id).toBe(ORACLE_SEED.coverageId);
    expect(await ok(`/Encounter?patient=${ORACLE_SEED.nancy.patientId}&_revinclude=Provenance:target`)).toHaveLength(2);
  });

  it('refuses every other combination with the spec 400', async () => {
    for (const path of [
      `/Encounter?subject=${ORACLE_SEED.nancy.patientId}`,
      `/Account?-guarantor=${ORACLE_SEED.nancy.relatedPersonId}`,
      '/Account?-encounter=97953536&type=financial-account',
      '/ChargeItem?_id=321088041,321088042',
      '/ChargeItem?context=97953536',
      `/Coverage?_id=${ORACLE_SEED.coverageId}`,
      `/RelatedPerson?patient=${ORACLE_SEED.nancy.patientId}`,
      `/Encounter?patient=${ORACLE_SEED.nancy.patientId}&_include=Encounter:subject`,
      `/Encounter?patient=${ORACLE_SEED.nancy.patientId}&_revinclude=ClaimResponse:request`,
      `/Patient?_count=10`,
    ]) {
      const res = await call(fhir, 'oracle-health', bearer, path);
      expect([path, res.status]).toEqual([path, 400]);
      expect(res.body.issue[0].diagnostics).toMatch(/^no supported search parameters provided/);
    }
    const batch = await call(fhir, 'oracle-health', bearer, '', {
      method: 'POST',
      body: { resourceType: 'Bundle', type: 'batch', entry: [] },
    });
    expect(batch.status).toBe(400);
  });

  it('answers an unacceptable Accept with an empty 406', async () => {
    const res = await call(fhir, 'oracle-health', bearer, `/Patient/${ORACLE_SEED.nancy.patientId}`, {
      headers: { Accept: 'application/xml' },
    });
    expect(res.status).toBe(406);
    expect(res.body).toBeNull();
  });
});

describe('epic reads', () => {
  it('answers Patient, Coverage and EOB searches with an outcome entry per page, and refuses the rest', async () => {
    const bearer = await token(fhir, 'epic');
    const eobs = await call(
      fhir,
      'epic',
      bearer,
      `/ExplanationOfBenefit?patient=${EPIC_SEED.jane.patientId}&created=ge2000-01-01`,
    );
    expect(eobs.status).toBe(200);
    expect(matches(eobs.body).map((e) => [e.id, e.outcome])).toEqual([
      [EPIC_SEED.jane.eobs[0], 'complete'],
      [EPIC_SEED.jane.eobs[1], 'queued'],
    ]);
    const outcome = eobs.body.entry.filter((e: any) => e.search.mode === 'outcome');
    expect(outcome).toHaveLength(1);
    expect(outcome[0].resource.issue[0].severity).toBe('information');
    const none = await call(
      fhir,
      'epic',
      bearer,
      `/ExplanationOfBenefit?patient=${EPIC_SEED.noClaims.patientId}&created=ge2000-01-01`,
    );
    expect(matches(none.body)).toEqual([]);
    const future = await call(
      fhir,
      'epic',
      bearer,
      `/ExplanationOfBenefit?patient=${EPIC_SEED.jane.patientId}&created=ge2999-01-01`,
    );
    expect(matches(future.body)).toEqual([]);
    expect(matches((await call(fhir, 'epic', bearer, `/Coverage?patient=${EPIC_SEED.jane.patientId}`)).body)[0].id).toBe(
      EPIC_SEED.jane.coverageId,
    );
    for (const path of [
      `/ChargeItem?patient=${EPIC_SEED.jane.patientId}`,
      `/Coverage?beneficiary=${EPIC_SEED.jane.patientId}`,
      '/Account?_id=x',
    ]) {
      expect([path, (await call(fhir, 'epic', bearer, path)).status]).toEqual([path, 400]);
    }
  });

  it('refuses writes with 403', async () => {
    const bearer = await token(fhir, 'epic');
    const res = await call(fhir, 'epic', bearer, '/PaymentReconciliation', {
      method: 'POST',
      body: { resourceType: 'PaymentReconciliation' },
    });
    expect(res.status).toBe(403);
    expect(res.body.resourceType).toBe('OperationOutcome');
  });
});

describe('sandbox mode', () => {
  it('gives summit-health, lakeview-epic and open-fhir connections that get a token and read', async () => {
    const running = await startSandboxMode({ port: 0 });
    try {
      expect(running.practices.map((p) => [p.id, (p as { system?: string }).system, p.connection['profile']])).toEqual([
        ['summit-health', 'fhir', 'oracle-health'],
        ['lakeview-epic', 'fhir', 'epic'],
        ['open-fhir', 'fhir', 'generic'],
      ]);
      for (const practice of running.practices) {
        const c = practice.connection as { baseUrl: string; clientId: string; privateKeyPem: string; keyId: string };
        const smart = (await (await fetch(`${c.baseUrl}/.well-known/smart-configuration`)).json()) as { token_endpoint: string };
        const now = Math.floor(Date.now() / 1000);
        const jwt = await new SignJWT({})
          .setProtectedHeader({ alg: 'RS384', typ: 'JWT', kid: c.keyId })
          .setIssuer(c.clientId)
          .setSubject(c.clientId)
          .setAudience(smart.token_endpoint)
          .setJti(randomUUID())
          .setIssuedAt(now)
          .setExpirationTime(now + 300)
          .sign(await importPKCS8(c.privateKeyPem, 'RS384'));
        const res = await fetch(smart.token_endpoint, {
          method: 'POST',
          headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({
            grant_type: 'client_credentials',
            client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
            client_assertion: jwt,
          }),
        });
        expect([practice.id, res.status]).toEqual([practice.id, 200]);
      }
      expect(running.practices[0]?.connection['paymentTypes']).toContainEqual({
        id: 'cash',
        name: 'Cash',
        method: 'CASH',
        alias: '0111',
      });
    } finally {
      await running.close();
    }
  });
});
