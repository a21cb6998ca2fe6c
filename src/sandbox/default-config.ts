/**
 * Sandbox mode, what `npm start` runs with no config: both vendors' simulators in-process on free
 * ports and a gateway config pointing at them, like a payment processor's test mode. Four practices:
 * a NexHealth Open Dental-like location, a NexHealth Dentrix location, an athenahealth enterprise
 * practice and a non-enterprise one. The API key is made fresh at each start and printed.
 */
import { randomBytes } from 'node:crypto';
import { parseConfig, type GatewayConfig } from '../config';
import { startAthenahealthSandbox, type AthenahealthSandbox } from './athenahealth';
import { NEX_SEED, startNexhealthSandbox, type NexhealthSandbox } from './nexhealth';

export interface SandboxModeOptions {
  /** The gateway's port. Default 4000. */
  port?: number;
  /** The store. Default `pglite://./.data/sandbox-ledger` (kept apart from a real config's store). */
  storeUrl?: string;
  /** The API key to use; default a random one (or `LEDGER_GATEWAY_SANDBOX_KEY`). */
  apiKey?: string;
}

export interface RunningSandboxes {
  config: GatewayConfig;
  apiKey: string;
  /** A first query for GraphiQL: a family's ledger in the NexHealth sandbox. */
  exampleQuery: string;
  close(): Promise<void>;
}

/**
 * The four sandbox practices over running simulators, as config entries: the one list both
 * `npm start`'s sandbox mode and the end-to-end tests use.
 */
export function sandboxPractices(
  nex: Pick<NexhealthSandbox, 'url' | 'apiKey' | 'subdomain' | 'locations'>,
  athena: Pick<AthenahealthSandbox, 'url' | 'clientId' | 'clientSecret' | 'practices'>,
) {
  return [
    {
      id: 'smile-dental',
      name: 'Smile Dental (NexHealth sandbox, Open Dental)',
      system: 'nexhealth',
      connection: { baseUrl: nex.url, apiKey: nex.apiKey, subdomain: nex.subdomain, locationId: nex.locations.openDental, pms: 'open_dental' },
    },
    {
      id: 'bright-dentrix',
      name: 'Bright Family Dentistry (NexHealth sandbox, Dentrix)',
      system: 'nexhealth',
      connection: { baseUrl: nex.url, apiKey: nex.apiKey, subdomain: nex.subdomain, locationId: nex.locations.dentrix, pms: 'dentrix' },
    },
    {
      id: 'northside',
      name: 'Northside Clinic (athenahealth sandbox, enterprise)',
      system: 'athenahealth',
      connection: { baseUrl: athena.url, clientId: athena.clientId, clientSecret: athena.clientSecret, practiceId: athena.practices.enterprise },
    },
    {
      id: 'lakeside',
      name: 'Lakeside Family Practice (athenahealth sandbox)',
      system: 'athenahealth',
      connection: { baseUrl: athena.url, clientId: athena.clientId, clientSecret: athena.clientSecret, practiceId: athena.practices.single },
    },
  ];
}

export async function startSandboxes(options: SandboxModeOptions = {}): Promise<RunningSandboxes> {
  const nex = await startNexhealthSandbox({ port: 0 });
  const athena = await startAthenahealthSandbox({ port: 0 });
  const apiKey = options.apiKey ?? process.env.LEDGER_GATEWAY_SANDBOX_KEY ?? `lg_sandbox_${randomBytes(18).toString('base64url')}`;
  const port = options.port ?? 4000;
  const config = parseConfig({
    server: { port, host: '127.0.0.1', publicUrl: `http://127.0.0.1:${port}` },
    store: { url: options.storeUrl ?? 'pglite://./.data/sandbox-ledger' },
    transactionIdPrefix: 'LG',
    apiKeys: [{ name: 'sandbox', key: apiKey, practices: ['*'] }],
    practices: sandboxPractices(nex, athena),
  });
  const family = NEX_SEED.families.alvarez.guarantorId;
  const exampleQuery = `# A family's ledger in the NexHealth sandbox: balances, aging and reconciliation.
# Other sandbox practices: bright-dentrix (Dentrix), northside and lakeside (athenahealth).
query FamilyLedger {
  practices { id name system }
  guarantor(practiceId: "smile-dental", guarantorId: "${family}") {
    sourceId
    patients {
      sourceId firstName lastName
      balance { charges { amount } payments { amount } adjustments { amount } total { amount } }
    }
    aging { current { amount } days31To60 { amount } days61To90 { amount } over90 { amount } total { amount } }
    outOfPocketAging { total { amount } writeOffEstimate { amount } }
    reconciliation { computed { amount } reported { amount } difference { amount } consistent }
  }
}
`;
  return {
    config,
    apiKey,
    exampleQuery,
    async close() {
      await Promise.all([nex.close(), athena.close()]);
    },
  };
}
