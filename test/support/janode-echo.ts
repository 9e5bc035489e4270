// A small typed adapter around the official Janode client (npm `janode`) for tests. It records
// every event Janode emits on the connection, its sessions and handles, so tests wait for events
// with deadlines and can look back (no registration races), and it captures Janode's log: a Janode
// warning or error usually means it got a frame it could not route (wrong session_id, sender, ...).
import Janode, {
  type JanodeConnection, type JanodeHandle, type JanodeLogFn, type JanodeSession, type JanusApiMessage,
} from 'janode';
import EchoTestPlugin, { type EchoTestHandle } from 'janode/plugins/echotest';

export type { EchoTestHandle } from 'janode/plugins/echotest';
export type { JanodeConnection, JanodeHandle, JanodeJsep, JanodeSession } from 'janode';

const { EVENT } = Janode;

export type JanodeLogLevel = 'debug' | 'verbose' | 'info' | 'warning' | 'error';
export type JanodeLogEntry = { level: JanodeLogLevel; at: number; text: string };

export type JanodeLogCapture = {
  readonly entries: JanodeLogEntry[];
  /** Warnings and errors so far. */
  problems(): JanodeLogEntry[];
  /**
   * problems() without the benign one: the `ack` of a plugin message that arrives after its `event`,
   * when Janode has already closed the transaction. Janus itself sends them in that order now and then:
   * its ack goes out after the plugin's handle_message() returns, racing the plugin thread's event.
   */
  unexpectedProblems(): JanodeLogEntry[];
  /** The last `n` entries as text, for failure messages. */
  tail(n?: number): string;
  restore(): void;
};

function logText(args: unknown[]): string {
  const parts = args.length === 1 && typeof args[0] === 'function' ? [(args[0] as () => unknown)()] : args;
  return parts.map((a) => (typeof a === 'string' ? a : a instanceof Error ? a.message : JSON.stringify(a))).join(' ');
}

const LATE_ACK = /transaction (\S+) not found for incoming message ack$/;

/**
 * Route Janode's process-wide logger into memory (nothing is printed). Its debug level includes every
 * frame sent and received, which is what a failure message needs.
 */
export function captureJanodeLog(onEntry?: (e: JanodeLogEntry) => void): JanodeLogCapture {
  const logger = Janode.Logger;
  const levels: JanodeLogLevel[] = ['debug', 'verbose', 'info', 'warning', 'error'];
  const original = new Map<JanodeLogLevel, JanodeLogFn>(levels.map((l) => [l, logger[l]]));
  const entries: JanodeLogEntry[] = [];
  for (const level of levels) {
    logger[level] = (...args: unknown[]): void => {
      const entry = { level, at: Date.now(), text: logText(args) };
      entries.push(entry);
      onEntry?.(entry);
    };
  }
  return {
    entries,
    problems: () => entries.filter((e) => e.level === 'warning' || e.level === 'error'),
    unexpectedProblems: () => entries.filter((e, i) => {
      if (e.level !== 'warning' && e.level !== 'error') return false;
      const tx = LATE_ACK.exec(e.text)?.[1];
      return tx === undefined || !entries.slice(0, i).some((p) => p.text.includes(`closed with success transaction ${tx},`));
    }),
    tail: (n = 40) => entries.slice(-n).map((e) => `${e.level}: ${e.text}`).join('\n'),
    restore() {
      for (const [level, fn] of original) logger[level] = fn;
    },
  };
}

export type JanodeEventSource = 'connection' | 'session' | 'handle';
export type JanodeEvent = { source: JanodeEventSource; id: number; name: string; data: unknown; at: number };

/** Everything Janode emitted, in order, with waiters that also look at the past. */
export class JanodeEventLog {
  readonly events: JanodeEvent[] = [];
  private readonly waiters = new Set<() => void>();

  record(source: JanodeEventSource, id: number, name: string, data: unknown): void {
    this.events.push({ source, id, name, data, at: Date.now() });
    for (const w of [...this.waiters]) w();
  }

  /** Index to pass as `since` to only consider events from now on. */
  mark(): number {
    return this.events.length;
  }

  waitFor(pred: (e: JanodeEvent) => boolean, what: string, timeoutMs = 10_000, since = 0): Promise<JanodeEvent> {
    const find = (): JanodeEvent | undefined => this.events.slice(since).find(pred);
    const found = find();
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const check = (): void => {
        const hit = find();
        if (!hit) return;
        this.waiters.delete(check);
        clearTimeout(timer);
        resolve(hit);
      };
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        const seen = this.events.slice(since).map((e) => `${e.source}:${e.name}`).join(', ');
        reject(new Error(`timed out after ${String(timeoutMs)} ms waiting for Janode ${what} (seen: ${seen || 'nothing'})`));
      }, timeoutMs);
      this.waiters.add(check);
    });
  }
}

const HANDLE_EVENTS = [
  EVENT.HANDLE_WEBRTCUP, EVENT.HANDLE_MEDIA, EVENT.HANDLE_HANGUP, EVENT.HANDLE_DETACHED,
  EVENT.HANDLE_SLOWLINK, EVENT.HANDLE_ICE_FAILED, EVENT.HANDLE_TRICKLE,
  EchoTestPlugin.EVENT.ECHOTEST_RESULT, EchoTestPlugin.EVENT.ECHOTEST_SLOWLINK, EchoTestPlugin.EVENT.ECHOTEST_ERROR,
] as const;

/** A Janode media event (Janus `media`): {type, receiving, mid}. */
export type JanodeMediaData = { type?: string; receiving?: boolean; mid?: string };

export function isMediaEvent(e: JanodeEvent, handleId: number, type: 'audio' | 'video', receiving: boolean): boolean {
  if (e.source !== 'handle' || e.id !== handleId || e.name !== EVENT.HANDLE_MEDIA) return false;
  const data = e.data as JanodeMediaData;
  return data.type === type && data.receiving === receiving;
}

export function isHandleEvent(name: string, handleId: number): (e: JanodeEvent) => boolean {
  return (e) => e.source === 'handle' && e.id === handleId && e.name === name;
}

/** One Janode connection (WebSocket) to a Janus API URL, with typed helpers and an event log. */
export class JanodeClient {
  readonly events = new JanodeEventLog();
  private closing: Promise<void> | undefined;

  private constructor(readonly connection: JanodeConnection) {
    for (const name of [EVENT.CONNECTION_CLOSED, EVENT.CONNECTION_ERROR]) {
      connection.on(name, (data: unknown) => { this.events.record('connection', connection.id, name, data); });
    }
  }

  /** Connect once, no retries: a failure is reported at once. */
  static async connect(url: string): Promise<JanodeClient> {
    return new JanodeClient(await Janode.connect({ address: { url }, max_retries: 0, retry_time_secs: 1 }));
  }

  info(): Promise<JanusApiMessage> {
    return this.connection.getInfo();
  }

  /** `create`; keepaliveSecs is Janode's keepalive period (its default is 30). */
  async createSession(keepaliveSecs = 30): Promise<JanodeSession> {
    const session = await this.connection.create(keepaliveSecs);
    session.on(EVENT.SESSION_DESTROYED, (data: unknown) => { this.events.record('session', session.id, EVENT.SESSION_DESTROYED, data); });
    return session;
  }

  /** `attach` janus.plugin.echotest with Janode's EchoTest plugin class; its events are recorded from the start. */
  async attachEchoTest(session: JanodeSession): Promise<EchoTestHandle> {
    const handle = await session.attach(EchoTestPlugin);
    this.recordHandle(handle);
    return handle;
  }

  private recordHandle(handle: JanodeHandle): void {
    for (const name of HANDLE_EVENTS) {
      handle.on(name, (data: unknown) => { this.events.record('handle', handle.id, name, data); });
    }
  }

  /** Janode's detach() swallows errors, so success is its handle_detached event. */
  async detach(handle: JanodeHandle, timeoutMs = 10_000): Promise<void> {
    const since = this.events.mark();
    await handle.detach();
    await this.events.waitFor(isHandleEvent(EVENT.HANDLE_DETACHED, handle.id), 'handle_detached after detach()', timeoutMs, since);
  }

  /** `destroy`: rejects if Janus (or the proxy) answers with an error. */
  async destroy(session: JanodeSession, timeoutMs = 10_000): Promise<void> {
    await session.destroy();
    await this.events.waitFor(
      (e) => e.source === 'session' && e.id === session.id && e.name === EVENT.SESSION_DESTROYED,
      'session_destroyed after destroy()', timeoutMs,
    );
  }

  /** Close the WebSocket and wait for Janode's connection_closed. Idempotent, never throws. */
  close(timeoutMs = 5_000): Promise<void> {
    this.closing ??= (async () => {
      const closed = this.events.waitFor((e) => e.source === 'connection' && e.name === EVENT.CONNECTION_CLOSED, 'connection_closed', timeoutMs);
      closed.catch(() => undefined);
      try {
        await this.connection.close();
        await closed;
      } catch {
        // Already closed or broken: nothing left to release.
      }
    })();
    return this.closing;
  }
}
