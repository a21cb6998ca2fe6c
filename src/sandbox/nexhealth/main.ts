/**
 * Run the NexHealth sandbox on its own: `npx tsx src/sandbox/nexhealth/main.ts`.
 *
 * Environment: `NEXHEALTH_SANDBOX_PORT` (default 4010), `NEXHEALTH_SANDBOX_HOST` (127.0.0.1),
 * `NEXHEALTH_SANDBOX_INSERTION_DELAY_MS` (1500), `NEXHEALTH_SANDBOX_FAULTS` (JSON fault rules, see
 * `faultRulesFromJson`), `NEXHEALTH_SANDBOX_RATE_LIMITS` (`off` to disable).
 */
import { faultRulesFromJson, NEX_SEED, startNexhealthSandbox } from './index';

const env = process.env;
const sandbox = await startNexhealthSandbox({
  port: Number(env['NEXHEALTH_SANDBOX_PORT'] ?? 4010),
  host: env['NEXHEALTH_SANDBOX_HOST'] ?? '127.0.0.1',
  insertionDelayMs: Number(env['NEXHEALTH_SANDBOX_INSERTION_DELAY_MS'] ?? 1500),
  rateLimits: env['NEXHEALTH_SANDBOX_RATE_LIMITS'] === 'off' ? false : {},
  faults: env['NEXHEALTH_SANDBOX_FAULTS'] ? faultRulesFromJson(env['NEXHEALTH_SANDBOX_FAULTS']) : [],
});
console.log(
  JSON.stringify({
    nexhealthSandbox: sandbox.url,
    apiKey: sandbox.apiKey,
    subdomain: sandbox.subdomain,
    locations: sandbox.locations,
    families: Object.keys(NEX_SEED.families),
  }),
);
const stop = () => void sandbox.close().then(() => process.exit(0));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
