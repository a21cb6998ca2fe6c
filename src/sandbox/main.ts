/**
 * `npm run sandbox`: both vendors' simulators on fixed ports, for pointing a gateway config (or a
 * curl) at them by hand. `npm start` without a config starts them in-process by itself.
 *
 * Environment: `NEXHEALTH_SANDBOX_PORT` (4010), `ATHENAHEALTH_SANDBOX_PORT` (4020),
 * `NEXHEALTH_SANDBOX_FAULTS` (JSON fault rules, see `faultRulesFromJson`).
 */
import { ListenError } from '../server/listen';
import { startAthenahealthSandbox } from './athenahealth';
import { faultRulesFromJson, startNexhealthSandbox } from './nexhealth';

/** A startup failure as one line on stderr (a taken port says which variable moves it), exit 1. */
function fail(error: unknown, portVariable: string): never {
  let message = error instanceof Error ? error.message : String(error);
  if (error instanceof ListenError) message += ` (set ${portVariable} to use another port)`;
  process.stderr.write(`ledger-gateway sandbox: ${message}\n`);
  process.exit(1);
}

const env = process.env;
const nex = await startNexhealthSandbox({
  port: Number(env.NEXHEALTH_SANDBOX_PORT ?? 4010),
  faults: env.NEXHEALTH_SANDBOX_FAULTS ? faultRulesFromJson(env.NEXHEALTH_SANDBOX_FAULTS) : [],
}).catch((error: unknown) => fail(error, 'NEXHEALTH_SANDBOX_PORT'));
const athena = await startAthenahealthSandbox({ port: Number(env.ATHENAHEALTH_SANDBOX_PORT ?? 4020) }).catch(
  (error: unknown) => fail(error, 'ATHENAHEALTH_SANDBOX_PORT'),
);
process.stdout.write(
  `${JSON.stringify(
    {
      nexhealth: { baseUrl: nex.url, apiKey: nex.apiKey, subdomain: nex.subdomain, locations: nex.locations },
      athenahealth: { baseUrl: athena.url, clientId: athena.clientId, clientSecret: athena.clientSecret, practices: athena.practices },
    },
    null,
    2,
  )}\n`,
);
const stop = () => void Promise.all([nex.close(), athena.close()]).then(() => process.exit(0));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
