/**
 * The Square simulator in sandbox mode (`npm start` without a config): one sandbox serving a seeded
 * seller as the processor connection (`{ baseUrl, accessToken, locationId }`) of the practice that
 * collects through it. `SQUARE_SANDBOX_FAULTS` (JSON fault rules) injects faults from the start.
 *
 * The shapes below mirror the gateway's sandbox-mode types structurally: a simulator imports nothing
 * from the code it checks.
 */
import { faultRulesFromJson } from '../shared/fault-injection';
import { SQUARE_SELLERS, startSquareSandbox } from './index';

export interface SquareSandboxPractice {
  id: string;
  name: string;
  connection: { baseUrl: string; accessToken: string; locationId: string };
}

/** The sandbox's first seller as a processor connection, for the practice that uses it. */
export function squareSandboxPractices(url: string): SquareSandboxPractice[] {
  const seller = SQUARE_SELLERS[0]!;
  return [
    {
      id: 'bright-dentrix',
      name: `Bright Family Dentistry (Square sandbox seller ${seller.merchantId})`,
      connection: { baseUrl: url, accessToken: seller.token, locationId: seller.locationId },
    },
  ];
}

export async function startSandboxMode(options: {
  port?: number;
}): Promise<{ practices: SquareSandboxPractice[]; close(): Promise<void> }> {
  const faults = process.env.SQUARE_SANDBOX_FAULTS;
  const sandbox = await startSquareSandbox({ port: options.port ?? 0, faults: faults ? faultRulesFromJson(faults) : [] });
  return { practices: squareSandboxPractices(sandbox.url), close: () => sandbox.close() };
}
