// The janus-load command line: flags, their defaults and checks.
import { parseArgs } from 'node:util';

export const SCENARIOS = ['echotest', 'videoroom', 'videocall', 'audiobridge', 'streaming'] as const;
export type Scenario = (typeof SCENARIOS)[number];

export type LoadOptions = {
  url: string;
  scenario: Scenario;
  transport: 'ws' | 'http';
  peers: number;
  rooms: number;
  publishers: number;
  subscribers: number;
  participants: number;
  viewers: number;
  /** Streaming: an existing mountpoint to watch (its media is not ours: counted by RTP sequence numbers). */
  mountpoint: number | undefined;
  /** Streaming: where to send the RTP feed of the mountpoint the tool creates (default: the Janus its viewers get). */
  rtpHost: string | undefined;
  durationS: number;
  ramp: number;
  kbps: number;
  sendLossPct: number;
  apisecret: string | undefined;
  token: string | undefined;
  iceAddress: string | undefined;
  adminUrl: string | undefined;
  adminToken: string | undefined;
  setupTimeoutS: number;
  workers: number;
  json: string | undefined;
  html: string | undefined;
  roomBase: number;
  /** Set on worker processes: their number, and the number of workers (internal flags). */
  worker: { index: number; count: number } | undefined;
};

export const LOAD_USAGE = `Usage: janus-load --url URL [options]

Ramps up real WebRTC peers (werift) against a Janus API endpoint (a Janus or janus-proxy) and reports.

  --url URL              Janus API endpoint: ws://host:8188/ (ws) or http://host:8088/janus (http)
  --scenario NAME        echotest (default) | videoroom | videocall (pairs calling each other)
                         | audiobridge (rooms x participants, each sending a G.711 tone of its own
                         pitch and checking that the mix it hears carries every other participant's
                         pitch and not its own) | streaming (viewers of one mountpoint)
  --transport ws|http    signalling transport (default: from the URL scheme)
  --peers N              echotest peers, or videocall peers (rounded up to pairs) (default 10)
  --rooms N              videoroom or audiobridge rooms (default 1)
  --publishers N         publishers per room (default 2)
  --subscribers N        subscribers per room, one PeerConnection each, subscribed to every publisher (default 4)
  --participants N       audiobridge participants per room, at least 2 (default 3)
  --viewers N            streaming viewers (default 10)
  --mountpoint ID        streaming: watch this existing mountpoint (any media, counted by RTP sequence
                         numbers); default: create an RTP mountpoint and feed it synthetic audio+video
  --rtp-host IP          streaming: send the feed there (default: the Janus address in the viewers' SDP)
  --duration S           seconds of media once every peer is set up (default 10)
  --ramp N               peers started per second (default 5)
  --bitrate KBPS         media sent per sending peer, audio + video (default 300)
  --send-loss PCT        skip this share of the packets each peer sends over WebRTC (their sequence
                         numbers still advance): a known loss, to check that the report (and Janus's
                         RTCP) sees it (default 0)
  --apisecret S          Janus API secret
  --token T              Janus token
  --ice-address IP       bind peers to this local IPv4 only (default: every interface)
  --admin-url URL        janus-proxy's admin API (http://host:8100): report the proxy's own backend split
  --admin-token T        its bearer token
  --setup-timeout S      seconds a peer may take from start to verified media (default 30)
  --room-base N          id of the first videoroom/audiobridge room, of the streaming mountpoint
                         created (one per worker), and the videocall usernames' run id (default: random)
  --workers N            split the load over N processes (default 1)
  --json FILE            write the report as JSON to FILE ('-': stdout, instead of the table)
  --html FILE            write a self-contained HTML report with plots (peers, bitrate, loss over time,
                         latency histograms) to FILE
  -h, --help             this text

Exit status: 0 when every peer connected, 1 when any failed (or none connected), 130 after Ctrl-C, 2 on bad flags.
`;

export class UsageError extends Error {}

function positive(name: string, value: string | undefined, fallback: number, min = 1): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n < min) throw new UsageError(`--${name} must be a number >= ${String(min)}, got ${value}`);
  return n;
}

function percent(name: string, value: string | undefined): number {
  const n = positive(name, value, 0, 0);
  if (n >= 100) throw new UsageError(`--${name} must be below 100, got ${String(value)}`);
  return n;
}

export function parseLoadArgs(argv: string[]): LoadOptions | 'help' {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      url: { type: 'string' }, scenario: { type: 'string' }, transport: { type: 'string' },
      peers: { type: 'string' }, rooms: { type: 'string' }, publishers: { type: 'string' }, subscribers: { type: 'string' },
      participants: { type: 'string' }, viewers: { type: 'string' }, mountpoint: { type: 'string' }, 'rtp-host': { type: 'string' },
      html: { type: 'string' }, duration: { type: 'string' }, ramp: { type: 'string' }, bitrate: { type: 'string' }, 'send-loss': { type: 'string' },
      apisecret: { type: 'string' }, token: { type: 'string' }, 'ice-address': { type: 'string' },
      'admin-url': { type: 'string' }, 'admin-token': { type: 'string' },
      'setup-timeout': { type: 'string' }, 'room-base': { type: 'string' }, workers: { type: 'string' }, json: { type: 'string' },
      'worker-index': { type: 'string' }, 'worker-count': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return 'help';
  const url = values.url;
  if (!url) throw new UsageError('--url is required');
  if (!/^(wss?|https?):\/\//.test(url)) throw new UsageError(`--url must be ws://, wss://, http:// or https://, got ${url}`);
  const scenario = values.scenario ?? 'echotest';
  if (!(SCENARIOS as readonly string[]).includes(scenario)) throw new UsageError(`--scenario must be one of ${SCENARIOS.join(', ')}, got ${scenario}`);
  const transport = values.transport ?? (url.startsWith('http') ? 'http' : 'ws');
  if (transport !== 'ws' && transport !== 'http') throw new UsageError(`--transport must be ws or http, got ${transport}`);
  if ((transport === 'ws') !== url.startsWith('ws')) throw new UsageError(`--transport ${transport} does not match the URL ${url}`);
  const worker = values['worker-index'] === undefined ? undefined
    : { index: positive('worker-index', values['worker-index'], 0, 0), count: positive('worker-count', values['worker-count'], 1) };
  return {
    url, scenario: scenario as Scenario, transport,
    peers: positive('peers', values.peers, 10),
    rooms: positive('rooms', values.rooms, 1),
    publishers: positive('publishers', values.publishers, 2),
    subscribers: positive('subscribers', values.subscribers, 4, 0),
    participants: positive('participants', values.participants, 3, 2),
    viewers: positive('viewers', values.viewers, 10),
    mountpoint: values.mountpoint === undefined ? undefined : positive('mountpoint', values.mountpoint, 1),
    rtpHost: values['rtp-host'],
    durationS: positive('duration', values.duration, 10, 0),
    ramp: positive('ramp', values.ramp, 5, 0.1),
    kbps: positive('bitrate', values.bitrate, 300, 8),
    sendLossPct: percent('send-loss', values['send-loss']),
    apisecret: values.apisecret, token: values.token, iceAddress: values['ice-address'],
    adminUrl: values['admin-url'], adminToken: values['admin-token'],
    setupTimeoutS: positive('setup-timeout', values['setup-timeout'], 30),
    workers: positive('workers', values.workers, 1),
    json: values.json,
    html: values.html,
    roomBase: positive('room-base', values['room-base'], 1_000_000_000 + Math.floor(Math.random() * 1_000_000_000)),
    worker,
  };
}
