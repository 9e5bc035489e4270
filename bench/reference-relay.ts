/**
 * The cost floor for the CPU-per-message figure: the least a Node WebSocket relay in front of Janus
 * can do per echotest message — the same `ws` library, one JSON parse and one stringify per frame
 * (compact, like the benchmarked proxy and Janus), writes coalesced per event-loop turn — and
 * nothing else: no validation, sessions, handles, placement, metrics or logs. It is measured in the
 * same run as the proxy, so the proxy's own share can be told apart from what the host charges for
 * moving frames at that moment. Not a product: it never cleans up and trusts every frame.
 *
 * Like the proxy on its defaults (`backends.connections_per_server: 2`) it talks to Janus over two
 * WebSocket connections, each client connection's requests going over one of them in turn: Janus's
 * WebSocket transport writes one queued message per writable callback per connection, so the
 * number of connections changes what Janus (and so the relay) can do per message.
 *
 * Run as a child process: `node --import tsx bench/reference-relay.ts <backend ws url> <port> [connections=2]`;
 * prints `ready` once listening.
 */
import type { Socket } from 'node:net';
import { WebSocket, WebSocketServer, type RawData } from 'ws';

type Json = Record<string, unknown>;

/** ws.send with the socket corked until the end of the event-loop turn (what BatchedSender does). */
function batchedSend(ws: WebSocket): (text: string) => void {
  const socket = (ws as unknown as { _socket: Socket })._socket;
  let corked = false;
  return (text) => {
    if (!corked) {
      corked = true;
      socket.cork();
      setImmediate(() => {
        corked = false;
        socket.uncork();
      });
    }
    ws.send(text);
  };
}

const [backendUrl, port, connectionCount = '2'] = process.argv.slice(2);
if (!backendUrl || !port) throw new Error('usage: reference-relay.ts <backend ws url> <port> [connections]');

const backends = await Promise.all(Array.from({ length: Number(connectionCount) }, async () => {
  const backend = new WebSocket(backendUrl, 'janus-protocol', { perMessageDeflate: false });
  await new Promise<void>((resolve, reject) => {
    backend.once('open', () => { resolve(); });
    backend.once('error', reject);
  });
  return backend;
}));
const toBackends = backends.map((backend) => batchedSend(backend));
let nextBackend = 0;

/**
 * Open requests by the counter in their backend transaction: the client it came from, its own
 * transaction, and how many answers it gets. An array, not a Map keyed by transaction: a Map with an
 * insert and a delete per message links each outgrown hash table to the next, and once one of them
 * is in the old generation every later one is promoted with what it held (README, Benchmarks) — a
 * floor must not pay that. 65,536 slots: far more requests than are ever in flight.
 */
const SLOTS = 1 << 16;
const open: ({ reply: (text: string) => void; transaction: unknown; left: number } | undefined)[] = new Array<{ reply: (text: string) => void; transaction: unknown; left: number } | undefined>(SLOTS).fill(undefined);
let nextTransaction = 0;
const PREFIX = 'relay-';

function onBackendMessage(data: RawData): void {
  const msg = JSON.parse((data as Buffer).toString('utf8')) as Json;
  const transaction = msg.transaction;
  if (typeof transaction !== 'string' || !transaction.startsWith(PREFIX)) return;
  const slot = parseInt(transaction.slice(PREFIX.length), 36) % SLOTS;
  const request = open[slot];
  if (!request) return;
  if (--request.left === 0) open[slot] = undefined;
  msg.transaction = request.transaction;
  request.reply(JSON.stringify(msg));
}
for (const backend of backends) backend.on('message', onBackendMessage);

const server = new WebSocketServer({ host: '127.0.0.1', port: Number(port), perMessageDeflate: false, handleProtocols: () => 'janus-protocol' });
server.on('connection', (client) => {
  const reply = batchedSend(client);
  // A client's requests all go over one backend connection, so a session's requests stay in order.
  const toBackend = toBackends[nextBackend++ % toBackends.length] as (text: string) => void;
  client.on('message', (data: RawData) => {
    const msg = JSON.parse((data as Buffer).toString('utf8')) as Json;
    // Longer than 10 characters, like the proxy's: V8 interns shorter JSON string values.
    const counter = nextTransaction++;
    const transaction = `${PREFIX}${counter.toString(36).padStart(6, '0')}`;
    // A message gets an ack and an event, everything else the load generator sends gets one reply.
    open[counter % SLOTS] = { reply, transaction: msg.transaction, left: msg.janus === 'message' ? 2 : 1 };
    msg.transaction = transaction;
    toBackend(JSON.stringify(msg));
  });
});
server.on('listening', () => { process.stdout.write('ready\n'); });
// A clean exit on SIGTERM, so that a --cpu-prof profile gets written.
process.once('SIGTERM', () => { process.exit(0); });
