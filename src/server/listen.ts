/**
 * Listening on a TCP port, with the failures an operator can fix (a taken port, a port that needs
 * privileges, an address this machine does not have) as a `ListenError` whose message is one plain
 * sentence. The caller adds how to choose another port (an environment variable, a config key).
 */
import { createServer, type AddressInfo, type Server } from 'node:net';

export class ListenError extends Error {
  override readonly name = 'ListenError';

  constructor(
    message: string,
    readonly code: string,
    readonly port: number,
    readonly host: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** A listen failure as a `ListenError` when the message can say what is wrong; else the error itself. */
export function toListenError(error: unknown, port: number, host: string): unknown {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  const where = `port ${port} on ${host}`;
  switch (code) {
    case 'EADDRINUSE':
      return new ListenError(`${where} is already in use`, code, port, host, { cause: error });
    case 'EACCES':
      return new ListenError(
        `no permission to listen on ${where}${port < 1024 ? ' (ports below 1024 need privileges)' : ''}`,
        code,
        port,
        host,
        { cause: error },
      );
    case 'EADDRNOTAVAIL':
      return new ListenError(`cannot listen on ${where}: ${host} is not an address of this machine`, code, port, host, {
        cause: error,
      });
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new ListenError(`cannot listen on ${where}: ${host} does not resolve`, code, port, host, { cause: error });
    default:
      return error;
  }
}

/** `server.listen(port, host)` as a promise of the bound address; rejects with `toListenError`'s error. */
export function listen(server: Server, port: number, host: string): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error) => reject(toListenError(error, port, host));
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve(server.address() as AddressInfo);
    });
  });
}

/**
 * Fails with `listen`'s error if `port` on `host` cannot be listened on right now; port 0 (any free
 * port) and ports the config check will refuse anyway pass. For checking before a start opens
 * anything: a second instance started by mistake must fail before it touches the first one's store.
 */
export async function assertCanListen(port: number, host: string): Promise<void> {
  if (!Number.isInteger(port) || port <= 0 || port > 65535) return;
  const probe = createServer();
  await listen(probe, port, host);
  await new Promise<void>((resolve) => probe.close(() => resolve()));
}

/** `http://host:port` of a bound address (IPv6 in brackets). */
export function addressUrl(address: AddressInfo): string {
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return `http://${host}:${address.port}`;
}
