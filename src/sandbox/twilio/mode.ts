/**
 * The Twilio simulator in sandbox mode (`npm start` without a config): one sandbox serving the two
 * seeded accounts, each as the SMS connection (`{ baseUrl, accountSid, authToken,
 * messagingServiceSid }`) of the practice that sends through it. When the gateway's URL is known,
 * each account's inbound messages (STOP, START, HELP) go to `<gateway>/webhooks/twilio/<practiceId>`.
 * `TWILIO_SANDBOX_FAULTS` (JSON fault rules) injects faults from the start.
 *
 * The shapes below mirror the gateway's sandbox-mode types structurally: a simulator imports nothing
 * from the code it checks.
 */
import { faultRulesFromJson } from '../shared/fault-injection';
import { startTwilioSandbox, TWILIO_SANDBOX_ACCOUNTS } from './index';

export interface TwilioSandboxPractice {
  id: string;
  name: string;
  connection: { baseUrl: string; accountSid: string; authToken: string; messagingServiceSid: string };
}

const PRACTICE_ACCOUNTS = [
  { id: 'smile-dental', account: TWILIO_SANDBOX_ACCOUNTS.smileDental },
  { id: 'northside', account: TWILIO_SANDBOX_ACCOUNTS.northside },
] as const;

/** The sandbox's accounts as SMS connections, by the practice that uses each. */
export function twilioSandboxPractices(url: string): TwilioSandboxPractice[] {
  return PRACTICE_ACCOUNTS.map(({ id, account }) => ({
    id,
    name: `${id} (Twilio sandbox account ${account.sid})`,
    connection: {
      baseUrl: url,
      accountSid: account.sid,
      authToken: account.authToken,
      messagingServiceSid: account.messagingServiceSid,
    },
  }));
}

export async function startSandboxMode(options: {
  port?: number;
  gatewayUrl?: string;
}): Promise<{ practices: TwilioSandboxPractice[]; close(): Promise<void> }> {
  const faults = process.env.TWILIO_SANDBOX_FAULTS;
  const sandbox = await startTwilioSandbox({ port: options.port ?? 0, faults: faults ? faultRulesFromJson(faults) : [] });
  if (options.gatewayUrl) {
    for (const { id, account } of PRACTICE_ACCOUNTS) {
      sandbox.sim.setInboundUrl(`${options.gatewayUrl}/webhooks/twilio/${id}`, account.sid);
    }
  }
  return { practices: twilioSandboxPractices(sandbox.url), close: () => sandbox.close() };
}
