/**
 * Coalesces the frames a WebSocket sends within one turn of the event loop into as few socket
 * writes as possible: the socket is corked on the first send and uncorked when the turn's I/O is
 * done. Without it every frame costs its own write syscall — about half the proxy's CPU per message.
 */
import type { Socket } from 'node:net';
import type WebSocket from 'ws';

/** `ws` keeps its net.Socket private; reading it is the only way to cork below the frame layer. */
function underlyingSocket(ws: WebSocket): Socket | undefined {
  const socket = (ws as unknown as { _socket?: Socket })._socket;
  return socket && typeof socket.cork === 'function' ? socket : undefined;
}

export class BatchedSender {
  private corked = false;
  private socket: Socket | undefined;

  constructor(private readonly ws: WebSocket) {}

  send(frame: string): void {
    // Looked up on use: a client-side WebSocket has no socket until its handshake is done.
    const socket = (this.socket ??= underlyingSocket(this.ws));
    if (socket && !this.corked && !socket.destroyed) {
      this.corked = true;
      socket.cork();
      setImmediate(() => {
        this.corked = false;
        socket.uncork();
      });
    }
    this.ws.send(frame);
  }
}
