/**
 * A `reset` fault: drop the connection with a TCP RST where Node can (`resetAndDestroy`, Node ≥ 18.3),
 * so the client sees ECONNRESET as from a real upstream, else just destroy the socket.
 */
import type { Socket } from 'node:net';

export function resetSocket(socket: Socket): void {
  const s = socket as Socket & { resetAndDestroy?: () => void };
  if (typeof s.resetAndDestroy === 'function') s.resetAndDestroy();
  else s.destroy();
}
