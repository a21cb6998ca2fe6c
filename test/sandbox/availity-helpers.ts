/**
 * What `availity.test.ts` and `availity-knobs.test.ts` share: one Availity simulator per test file
 * whose time stands still at {@link T0} (reset before each test), a coverage form, and raw HTTP
 * helpers (fetch, no adapter) for the token endpoint, the coverages API and the `/_sandbox` controls.
 *
 *     const sim = useAvailitySimulator();
 *     const { token, post } = sim;
 *     const { res } = await post(await token(), coverageForm(JANE));
 *     expect(sim.sandbox.requests).toHaveLength(2);
 */
import { afterAll, beforeAll, beforeEach, expect } from 'vitest';
import { AVAILITY_SANDBOX_CLIENTS, type AvailitySandbox, startAvailitySandbox } from '../../src/sandbox/availity';
import { sandboxControl } from './control';

/** The simulator's time stands still unless a test advances it: windows and expiries are exact. */
export const T0 = Date.UTC(2026, 6, 30, 14, 0, 0);

export const FORM = 'application/x-www-form-urlencoded';

export interface Patient {
  memberId: string;
  lastName: string;
  birthDate: string;
  firstName?: string;
  relationship?: string;
}

export const JANE: Patient = { memberId: 'AVL000001', firstName: 'Jane', lastName: 'Doe', birthDate: '1985-04-12' };

export function coverageForm(patient: Patient, extra: Array<[string, string]> = []): URLSearchParams {
  return new URLSearchParams([
    ['payerId', 'SANDBOX1'],
    ['providerNpi', '1234567893'],
    ['providerLastName', 'SMILE DENTAL'],
    ['memberId', patient.memberId],
    ['patientLastName', patient.lastName],
    ['patientFirstName', patient.firstName ?? 'X'],
    ['patientBirthDate', patient.birthDate],
    ['subscriberRelationship', patient.relationship ?? '18'],
    ['asOfDate', '2026-07-30'],
    ['serviceType', '30'],
    ['serviceType', '98'],
    ...extra,
  ]);
}

/** Starts the file's simulator (stopped after its tests, reset before each) and the helpers that call it. */
export function useAvailitySimulator() {
  let started: AvailitySandbox | undefined;
  beforeAll(async () => {
    started = await startAvailitySandbox({ now: () => T0 });
  });
  afterAll(() => started?.close());
  beforeEach(() => started?.reset());
  const current = (): AvailitySandbox => {
    if (!started) throw new Error('the Availity simulator is not started: use it inside a test');
    return started;
  };

  async function tokenResponse(params: Record<string, string>, url = current().tokenUrl, contentType = FORM) {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': contentType },
      body: contentType === FORM ? new URLSearchParams(params) : JSON.stringify(params),
    });
    return { res, json: (await res.json()) as any };
  }

  async function token(client: { clientId: string; clientSecret: string } = AVAILITY_SANDBOX_CLIENTS.main): Promise<string> {
    const { res, json } = await tokenResponse({
      grant_type: 'client_credentials',
      client_id: client.clientId,
      client_secret: client.clientSecret,
      scope: 'healthcare-hipaa-transactions',
    });
    expect(res.status).toBe(200);
    return json.access_token;
  }

  async function post(bearer: string, body: URLSearchParams | string, headers: Record<string, string> = {}) {
    const res = await fetch(`${current().baseUrl}/coverages`, {
      method: 'POST',
      headers: { authorization: `Bearer ${bearer}`, accept: 'application/json', 'content-type': FORM, ...headers },
      body,
    });
    return { res, json: (await res.json()) as any };
  }

  async function get(bearer: string, id: string, base = current().baseUrl) {
    const res = await fetch(`${base}/coverages/${id}`, {
      headers: { authorization: `Bearer ${bearer}`, accept: 'application/json' },
    });
    return { res, json: (await res.json()) as any };
  }

  const control = (method: string, path: string, body?: unknown) => sandboxControl(current().url, method, path, body);

  /** GET until the status leaves 0/R1 (at most `max` polls); the status codes seen, in order. */
  async function pollAll(bearer: string, id: string, max = 10): Promise<{ seen: string[]; last: any }> {
    const seen: string[] = [];
    for (let i = 0; i < max; i++) {
      const { res, json } = await get(bearer, id);
      expect(res.status).toBe(200);
      seen.push(json.statusCode);
      if (json.statusCode !== '0' && json.statusCode !== 'R1') return { seen, last: json };
    }
    return { seen, last: null };
  }

  return {
    /** The running simulator (inside a test). */
    get sandbox(): AvailitySandbox {
      return current();
    },
    tokenResponse,
    token,
    post,
    get,
    control,
    pollAll,
  };
}
