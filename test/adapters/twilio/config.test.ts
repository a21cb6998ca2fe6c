/**
 * The `messaging` block of a practice's config: each channel's entry is validated by the registered
 * providers of that channel (a discriminated union on `system`), and the Twilio connection by its
 * own schema (SIDs, exactly one sender, an API key pair or none). Errors name the key and what was expected.
 */
import { describe, expect, it } from 'vitest';
import { MESSAGING_SYSTEMS, messagingSystem } from '../../../src/adapters/registry';
import { parseConfig } from '../../../src/config';
import { sandboxPractices, startSystemSandboxes } from '../../../src/sandbox/default-config';
import { SMILE } from './helpers';

const twilioConnection = {
  baseUrl: 'https://api.twilio.com',
  accountSid: SMILE.sid,
  authToken: 'env:TWILIO_TEST_TOKEN',
  messagingServiceSid: SMILE.messagingServiceSid,
};

function config(messaging: unknown) {
  return {
    apiKeys: [{ name: 'k', key: 'k'.repeat(16), practices: ['*'] }],
    practices: [
      {
        id: 'smile-dental',
        name: 'Smile Dental',
        system: 'nexhealth',
        connection: { baseUrl: 'https://nexhealth.info', apiKey: 'key', subdomain: 'smile', locationId: 1 },
        messaging,
      },
    ],
  };
}

function errorOf(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('expected the config to be refused');
}

describe('messaging config', () => {
  it('registers twilio as the SMS provider', () => {
    expect(MESSAGING_SYSTEMS.map((d) => [d.system, d.channel])).toContainEqual(['twilio', 'SMS']);
    expect(messagingSystem('twilio', 'SMS').system).toBe('twilio');
    expect(() => messagingSystem('twilio', 'EMAIL')).toThrow(/expected a registered EMAIL provider .*got "twilio"/);
  });

  it('accepts messaging.sms with a Twilio connection, secrets from the environment', () => {
    process.env.TWILIO_TEST_TOKEN = 'token-from-env';
    const parsed = parseConfig(config({ sms: { system: 'twilio', connection: twilioConnection } }));
    expect(parsed.practices[0]?.messaging?.sms).toEqual({
      system: 'twilio',
      connection: { ...twilioConnection, authToken: 'token-from-env' },
    });
  });

  it('refuses twilio under email, an unknown system, and a bad connection, naming the key', () => {
    process.env.TWILIO_TEST_TOKEN = 'token-from-env';
    expect(errorOf(() => parseConfig(config({ email: { system: 'twilio', connection: twilioConnection } })))).toMatch(
      /messaging\.email/,
    );
    expect(errorOf(() => parseConfig(config({ sms: { system: 'pigeon', connection: {} } })))).toMatch(
      /expected messaging\.sms\.system to be one of "twilio"/,
    );
    expect(
      errorOf(() => parseConfig(config({ sms: { system: 'twilio', connection: { ...twilioConnection, accountSid: 'AC1' } } }))),
    ).toMatch(/messaging\.sms\.connection\.accountSid: expected a Twilio AC… SID/);
    expect(
      errorOf(() =>
        parseConfig(config({ sms: { system: 'twilio', connection: { ...twilioConnection, from: '+15005550006' } } })),
      ),
    ).toMatch(/expected exactly one sender/);
    expect(
      errorOf(() =>
        parseConfig(config({ sms: { system: 'twilio', connection: { ...twilioConnection, apiKeySid: `SK${'a'.repeat(32)}` } } })),
      ),
    ).toMatch(/expected apiKeySid and apiKeySecret together/);
    expect(
      errorOf(() =>
        parseConfig(config({ sms: { system: 'twilio', connection: { ...twilioConnection, baseUrl: 'https://x.example/v1' } } })),
      ),
    ).toMatch(/without a path/);
    expect(errorOf(() => parseConfig(config({ fax: {} })))).toMatch(/fax/);
  });
});

describe('sandbox mode', () => {
  it('gives smile-dental and northside a Twilio sandbox account as messaging.sms, inbound messages to the gateway', async () => {
    const sandboxes = await startSystemSandboxes('http://127.0.0.1:4999');
    try {
      const practices = sandboxPractices(sandboxes) as Array<{
        id: string;
        messaging?: { sms?: { system: string; connection: any } };
      }>;
      expect(
        practices.map((p) => [p.id, p.messaging?.sms?.system ?? null, p.messaging?.sms?.connection.accountSid ?? null]),
      ).toEqual([
        ['smile-dental', 'twilio', SMILE.sid],
        ['bright-dentrix', null, null],
        ['northside', 'twilio', 'AC00000000000000000000000000000002'],
        ['lakeside', null, null],
        ['summit-health', null, null],
        ['lakeview-epic', null, null],
        ['open-fhir', null, null],
      ]);
      const parsed = parseConfig({ apiKeys: [{ name: 'k', key: 'k'.repeat(16), practices: ['*'] }], practices });
      expect(parsed.practices[0]?.messaging?.sms?.system).toBe('twilio');
      // A STOP to smile-dental's sender is posted to the gateway's route for smile-dental.
      const baseUrl = practices[0]?.messaging?.sms?.connection.baseUrl as string;
      const answer = await fetch(`${baseUrl}/_sandbox/inbound`, {
        method: 'POST',
        body: JSON.stringify({ from: '+15551234567', to: SMILE.messagingServiceSid, body: 'STOP' }),
      });
      expect(((await answer.json()) as { deliveries: string[] }).deliveries).toHaveLength(1);
      const hooks = (await (await fetch(`${baseUrl}/_sandbox/webhooks`)).json()) as { deliveries: Array<{ url: string }> };
      expect(hooks.deliveries.map((d) => d.url)).toEqual(['http://127.0.0.1:4999/webhooks/twilio/smile-dental']);
    } finally {
      await Promise.all(sandboxes.map((s) => s.close()));
    }
  });
});
