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

/** Senders that corked their socket during this turn: one setImmediate uncorks them all (no closure or timer per socket). */
let corkedThisTurn: BatchedSender[] = [];

function uncorkAll(): void {
  // Swapped first: a sender corking again from a callback run by an uncork waits for the next turn's flush.
  const senders = corkedThisTurn;
  corkedThisTurn = [];
  for (const sender of senders) sender.uncork();
}

export class BatchedSender {
  private corked: Socket | undefined;
  private socket: Socket | undefined;

  constructor(private readonly ws: WebSocket) {}

  send(frame: string): void {
    // Looked up on use: a client-side WebSocket has no socket until its handshake is done.
    const socket = (this.socket ??= underlyingSocket(this.ws));
    if (socket && this.corked === undefined && !socket.destroyed) {
      this.corked = socket;
      socket.cork();
      if (corkedThisTurn.push(this) === 1) setImmediate(uncorkAll);
    }
    this.ws.send(frame);
  }

  /** Writes what this turn buffered (called once per turn by uncorkAll). */
  uncork(): void {
    const socket = this.corked;
    this.corked = undefined;
    socket?.uncork();
  }
}
