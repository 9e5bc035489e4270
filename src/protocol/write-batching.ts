/**
 * Coalesces the frames a WebSocket sends within one turn of the event loop into as few socket
 * writes as possible: the socket is corked on the first send and uncorked when the turn's I/O is
 * done. Without it every frame costs its own write syscall — about half the proxy's CPU per message.
 * Work that must not delay those frames (a Redis record write made while answering a request) can
 * be queued behind them with `afterTurnWrites`.
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
/** Tasks to run once this turn's frames are written. */
let afterWrites: (() => void)[] = [];
let endOfTurnScheduled = false;

function scheduleEndOfTurn(): void {
  if (endOfTurnScheduled) return;
  endOfTurnScheduled = true;
  setImmediate(endOfTurn);
}

function endOfTurn(): void {
  endOfTurnScheduled = false;
  // Swapped first: a sender corking again from a callback run by an uncork waits for the next turn's flush.
  const senders = corkedThisTurn;
  corkedThisTurn = [];
  for (const sender of senders) sender.uncork();
  const tasks = afterWrites;
  afterWrites = [];
  for (const task of tasks) {
    try {
      task();
    } catch (err) {
      // One task's failure must not drop the others: it surfaces as an uncaught exception after them.
      queueMicrotask(() => { throw err; });
    }
  }
}

/**
 * Runs `task` at the end of this turn of the event loop (called from a setImmediate callback: of the
 * next turn), after the frames every BatchedSender was given until then are written, also those sent
 * after this call. Tasks run in the order queued.
 */
export function afterTurnWrites(task: () => void): void {
  afterWrites.push(task);
  scheduleEndOfTurn();
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
      corkedThisTurn.push(this);
      scheduleEndOfTurn();
    }
    this.ws.send(frame);
  }

  /** Writes what this turn buffered (called once per turn, at its end). */
  uncork(): void {
    const socket = this.corked;
    this.corked = undefined;
    socket?.uncork();
  }
}
