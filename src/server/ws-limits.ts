/**
 * What one client may hold of the websocket endpoint: connections per remote address (counted from
 * the upgrade, before any key is known), connections per API key (counted once `connection_init` is
 * accepted), and how long a socket may sit with no operation. Without them one key could open
 * sockets until the process stopped answering everyone, `/healthz` included.
 *
 *     const limits = createWsConnectionLimits(wss, { maxPerKey: 100, maxPerAddress: 100, idleTimeoutMs: 300_000 });
 *     useServer({ onConnect: (ctx) => limits.admitKey(ctx.extra.socket, caller.keyName), … }, wss);
 *
 * The rest of the websocket limits are set where the socket is made (src/server/http-server.ts):
 * the largest message (`ws`'s `maxPayload`, checked on the frame header, so an oversized message is
 * refused with 1009 before its body is read), the `connection_init` deadline (graphql-ws, 4408) and
 * the keep-alive pings (graphql-ws terminates a socket that does not answer one in time).
 *
 * Refusals close the socket with 4429 and a reason that names the limit, e.g. `too many connections
 * for API key "portal" (limit 100)`; graphql-ws clients treat 4429 as fatal and do not reconnect in a
 * loop. Behind a reverse proxy every socket has the proxy's address: raise `maxPerAddress` there.
 */
import type { IncomingMessage } from 'node:http';
import type { WebSocket, WebSocketServer } from 'ws';

/** The close code of a refused connection (graphql-ws's "too many" code). */
export const TOO_MANY_CONNECTIONS = 4429;

export interface WsConnectionLimitsOptions {
  /**
   * Most sockets one API key may hold open.
   * @default `limits.maxWsConnectionsPerKey` of src/config.ts (passed by the caller)
   */
  maxPerKey: number;
  /**
   * Most sockets open from one remote address.
   * @default `limits.maxWsConnectionsPerAddress` of src/config.ts (passed by the caller)
   */
  maxPerAddress: number;
  /**
   * A socket with no operation running and no message from the client for this long is closed
   * with 1000.
   * @default `limits.wsIdleTimeoutMs` of src/config.ts (passed by the caller)
   */
  idleTimeoutMs: number;
}

export interface WsConnectionLimits {
  /**
   * Count `socket` against `keyName`'s connections; false (and the socket closed with 4429) when
   * the key already holds `maxPerKey`. Call once per socket, when its `connection_init` is accepted.
   */
  admitKey(socket: WebSocket, keyName: string): boolean;
  /**
   * Close `socket` once it has had no operation running (`busy()` false) and no message from the
   * client for `idleTimeoutMs`.
   */
  closeWhenIdle(socket: WebSocket, busy: () => boolean): void;
}

/** A counter per name that forgets a name at zero, so the maps stay as small as the open sockets. */
class Counts {
  private readonly counts = new Map<string, number>();
  get(name: string): number {
    return this.counts.get(name) ?? 0;
  }
  add(name: string): void {
    this.counts.set(name, this.get(name) + 1);
  }
  remove(name: string): void {
    const next = this.get(name) - 1;
    if (next > 0) this.counts.set(name, next);
    else this.counts.delete(name);
  }
}

/** The socket's peer address, `::ffff:` stripped so IPv4 peers count once whatever the listener. */
function addressOf(request: IncomingMessage): string {
  const address = request.socket.remoteAddress ?? '(unknown)';
  return address.startsWith('::ffff:') ? address.slice(7) : address;
}

/**
 * Enforce the per-address limit on `wss` from now on (attach it before graphql-ws, so a refused
 * socket is closed before graphql-ws starts its `connection_init` wait), and return the per-key and
 * idle checks for graphql-ws's hooks.
 */
export function createWsConnectionLimits(wss: WebSocketServer, options: WsConnectionLimitsOptions): WsConnectionLimits {
  const byAddress = new Counts();
  const byKey = new Counts();

  wss.on('connection', (socket, request) => {
    const address = addressOf(request);
    if (byAddress.get(address) >= options.maxPerAddress) {
      socket.close(TOO_MANY_CONNECTIONS, `too many connections from this address (limit ${options.maxPerAddress})`);
      return;
    }
    byAddress.add(address);
    socket.once('close', () => byAddress.remove(address));
  });

  return {
    admitKey(socket, keyName) {
      if (byKey.get(keyName) >= options.maxPerKey) {
        // The reason is at most 123 bytes: a key name is short, but cut it to be sure.
        socket.close(
          TOO_MANY_CONNECTIONS,
          `too many connections for API key "${keyName.slice(0, 40)}" (limit ${options.maxPerKey})`,
        );
        return false;
      }
      byKey.add(keyName);
      socket.once('close', () => byKey.remove(keyName));
      return true;
    },

    closeWhenIdle(socket, busy) {
      let timer: NodeJS.Timeout;
      const arm = () => {
        clearTimeout(timer);
        timer = setTimeout(() => {
          // An operation running (a live subscription) is not idle: look again a period later.
          if (busy()) arm();
          else socket.close(1000, `idle for ${Math.round(options.idleTimeoutMs / 1000)} s with no operation`);
        }, options.idleTimeoutMs);
        timer.unref();
      };
      arm();
      socket.on('message', arm);
      socket.once('close', () => clearTimeout(timer));
    },
  };
}
