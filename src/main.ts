/**
 * `npm start`: read the config (`--config FILE` or `LEDGER_GATEWAY_CONFIG`), or with neither start
 * the vendors' sandboxes in-process and point the gateway at them (like a processor's test mode).
 * Shuts down cleanly on SIGTERM / SIGINT: stop accepting, drain, close websockets, finish store
 * writes, exit 0.
 */
import { ConfigError, loadConfigFile, type GatewayConfig } from './config';
import { createLogger } from './logging/logger';
import { assertCanListen, ListenError } from './server/listen';
import type { RunningSandboxes } from './sandbox/default-config';
import { PRIVATE_UMASK } from './transactions/store-files';

function configPath(argv: readonly string[], env: NodeJS.ProcessEnv): string | null {
  const index = argv.indexOf('--config');
  if (index >= 0) {
    const path = argv[index + 1];
    if (!path) throw new ConfigError(['--config: expected a file path after --config']);
    return path;
  }
  const inline = argv.find((arg) => arg.startsWith('--config='));
  if (inline) return inline.slice('--config='.length);
  return env.LEDGER_GATEWAY_CONFIG || null;
}

async function main() {
  // Nothing the gateway writes is for group or others: the embedded store's files (WAL included,
  // with the webhook signing secrets), including those PGlite creates later (src/transactions/store-files.ts).
  process.umask(PRIVATE_UMASK);
  const path = configPath(process.argv.slice(2), process.env);
  /** A port that cannot be listened on is one line saying how to choose another (PORT: sandbox mode only). */
  const explainPort = (error: unknown): never => {
    if (error instanceof ListenError) error.message += path ? ` (set server.port in ${path})` : ' (set PORT to use another port)';
    throw error;
  };
  let config: GatewayConfig;
  let sandboxes: RunningSandboxes | null = null;
  // The port is tried before anything starts, and before the gateway's modules load (seconds): a
  // second `npm start` fails at once, without opening (and migrating) the store the first one uses.
  if (path) {
    config = await loadConfigFile(path);
    await assertCanListen(config.server.port, config.server.host).catch(explainPort);
  } else {
    const port = Number(process.env.PORT ?? 4000);
    await assertCanListen(port, '127.0.0.1').catch(explainPort);
    const { startSandboxes } = await import('./sandbox/default-config');
    sandboxes = await startSandboxes({ port });
    config = sandboxes.config;
  }
  const { startGateway } = await import('./server/gateway');
  const logger = createLogger({ level: config.logLevel });
  const gateway = await startGateway(config, {
    logger,
    graphiql: sandboxes
      ? { defaultHeaders: { Authorization: `Bearer ${sandboxes.apiKey}` }, defaultQuery: sandboxes.exampleQuery }
      : undefined,
  }).catch(explainPort);
  const lines = [
    `ledger-gateway listening on ${gateway.url}`,
    `  GraphQL:  ${gateway.url}/graphql   (ws subscriptions on the same path)`,
    `  GraphiQL: ${gateway.url}/graphiql`,
  ];
  if (sandboxes) {
    lines.push(
      `  mode:     sandbox (no config given) — practices: ${config.practices.map((p) => p.id).join(', ')}`,
      `  API key:  ${sandboxes.apiKey}   (send "Authorization: Bearer <key>")`,
    );
  }
  process.stdout.write(`${lines.join('\n')}\n`);

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    await gateway.close();
    await sandboxes?.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

// A startup failure is what it says, on stderr, prefixed with the program's name: no stack trace.
main().catch((error: unknown) => {
  process.stderr.write(`ledger-gateway: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
