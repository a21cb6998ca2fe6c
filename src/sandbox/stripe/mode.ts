/**
 * The Stripe simulator in sandbox mode (`npm start` without a config): one sandbox serving the two
 * seeded accounts, each as a processor connection (`{ baseUrl, secretKey }`) for the practice that
 * collects through it. `STRIPE_SANDBOX_FAULTS` (JSON fault rules) injects faults from the start.
 *
 * The shapes below mirror the gateway's sandbox-mode types structurally: a simulator imports nothing
 * from the code it checks.
 */
import { faultRulesFromJson } from '../shared/fault-injection';
import { STRIPE_SANDBOX_ACCOUNTS, startStripeSandbox } from './index';

export interface StripeSandboxPractice {
  id: string;
  name: string;
  connection: { baseUrl: string; secretKey: string };
}

/** The sandbox's accounts as processor connections, by the practice that uses each. */
export function stripeSandboxPractices(url: string): StripeSandboxPractice[] {
  return [
    {
      id: 'smile-dental',
      name: 'Smile Dental (Stripe sandbox account acct_sandboxsmile01)',
      connection: { baseUrl: url, secretKey: STRIPE_SANDBOX_ACCOUNTS.smileDental.secretKey },
    },
    {
      id: 'northside',
      name: 'Northside (Stripe sandbox account acct_sandboxnorth01)',
      connection: { baseUrl: url, secretKey: STRIPE_SANDBOX_ACCOUNTS.northside.secretKey },
    },
  ];
}

export async function startSandboxMode(options: {
  port?: number;
}): Promise<{ practices: StripeSandboxPractice[]; close(): Promise<void> }> {
  const faults = process.env.STRIPE_SANDBOX_FAULTS;
  const sandbox = await startStripeSandbox({ port: options.port ?? 0, faults: faults ? faultRulesFromJson(faults) : [] });
  return { practices: stripeSandboxPractices(sandbox.url), close: () => sandbox.close() };
}
