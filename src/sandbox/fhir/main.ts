/**
 * Run the FHIR sandbox on its own: `npx tsx src/sandbox/fhir/main.ts`. Prints the mounts, client ids
 * and the generated key (the private key PEM a connection needs) as one JSON line.
 *
 * Environment: `FHIR_SANDBOX_PORT` (default 4030), `FHIR_SANDBOX_HOST` (127.0.0.1),
 * `FHIR_SANDBOX_FAULTS` (JSON fault rules, see `faultRulesFromJson`).
 */
import { faultRulesFromJson, startFhirSandbox } from './index';

const env = process.env;
const sandbox = await startFhirSandbox({
  port: Number(env['FHIR_SANDBOX_PORT'] ?? 4030),
  host: env['FHIR_SANDBOX_HOST'] ?? '127.0.0.1',
  faults: env['FHIR_SANDBOX_FAULTS'] ? faultRulesFromJson(env['FHIR_SANDBOX_FAULTS']) : [],
});
console.log(JSON.stringify({ fhirSandbox: sandbox.url, mounts: sandbox.mounts, clients: sandbox.clients }));
const stop = () => void sandbox.close().then(() => process.exit(0));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
