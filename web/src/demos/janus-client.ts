/**
 * janus.js for the demo pages: loads the official library from /vendor/, opens a session on the
 * proxy and attaches handles whose ICE, WebRTC and media callbacks feed the page's status, with
 * promise wrappers around janus.js's callback style.
 */
import type { AttachOptions, JanusSession, JanusStatic, Jsep, PluginHandle, PluginMessage, TrackOption } from './janus-types';
import type { DemoPage } from './demo-page';

function loadScript(src: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const script = document.createElement('script');
    script.src = src;
    script.onload = () => { resolve(); };
    script.onerror = () => { reject(new Error(`could not load ${src}`)); };
    document.head.append(script);
  });
}

function reason(err: unknown): Error {
  if (err instanceof Error) return err;
  return new Error(typeof err === 'string' ? err : JSON.stringify(err));
}

/** webrtc-adapter first: janus.js expects its global. */
async function loadJanus(): Promise<JanusStatic> {
  await loadScript('/vendor/adapter.js');
  await loadScript('/vendor/janus.js');
  const Janus = (window as unknown as { Janus?: JanusStatic }).Janus;
  if (!Janus) throw new Error('janus.js did not define Janus');
  await new Promise<void>((resolve) => { Janus.init({ debug: ['warn', 'error'], callback: resolve }); });
  if (!Janus.isWebrtcSupported()) throw new Error('this browser has no WebRTC');
  return Janus;
}

export interface Connection {
  Janus: JanusStatic;
  session: JanusSession;
}

/** Opens a Janus session on the page's server (the proxy). */
export async function connect(page: DemoPage): Promise<Connection> {
  page.update((s) => { s.phase = 'connecting'; });
  const Janus = await loadJanus();
  const session = await new Promise<JanusSession>((resolve, reject) => {
    const created: JanusSession = new Janus({
      server: page.state.server,
      iceServers: [], // janus.js defaults to Google's STUN server: no traffic off the box
      success: () => { resolve(created); },
      error: (err) => { reject(reason(err)); },
      destroyed: () => { page.update((s) => { s.phase = 'closed'; }); },
    });
  });
  page.update((s) => {
    s.phase = 'connected';
    s.sessionId = session.getSessionId();
  });
  page.log(`session ${String(session.getSessionId())} on ${page.state.server}`);
  return { Janus, session };
}

type Callbacks = Omit<AttachOptions, 'plugin' | 'opaqueId' | 'success' | 'error'>;

/** Attaches `plugin` as `role`; the handle's state shows in the status panel, its backend once known. */
export function attach(page: DemoPage, conn: Connection, role: string, plugin: string, callbacks: Callbacks = {}): Promise<PluginHandle> {
  const h = page.handle(role, plugin);
  return new Promise((resolve, reject) => {
    conn.session.attach({
      ...callbacks,
      plugin,
      opaqueId: `janus-cloud-demo-${conn.Janus.randomString(8)}`,
      success: (handle) => {
        page.update(() => { h.id = handle.getId(); });
        page.log(`${role}: attached ${plugin} handle ${String(handle.getId())}`);
        void page.lookUpBackends();
        resolve(handle);
      },
      error: (err) => { reject(reason(err)); },
      iceState: (state) => {
        page.update(() => { h.ice = state; });
        callbacks.iceState?.(state);
      },
      webrtcState: (up, why) => {
        page.update(() => {
          if (up) h.webrtcUp = true;
          else h.webrtcDown = why ?? 'down';
        });
        page.log(`${role}: WebRTC ${up ? 'up' : `down${why ? ` (${why})` : ''}`}`);
        if (up) void page.lookUpBackends();
        callbacks.webrtcState?.(up, why);
      },
      mediaState: (kind, receiving, mid) => {
        page.update(() => { h.media[mid === undefined ? kind : `${kind} ${mid}`] = receiving; });
        callbacks.mediaState?.(kind, receiving, mid);
      },
      onlocaltrack: (track, on) => {
        page.showTrack('local', 'me', track, on);
        callbacks.onlocaltrack?.(track, on);
      },
    });
  });
}

/** A request answered synchronously by the plugin (create, list, register...): its plugin data. */
export function request(handle: PluginHandle, message: PluginMessage, jsep?: Jsep): Promise<PluginMessage> {
  return new Promise((resolve, reject) => {
    handle.send({
      message,
      ...(jsep === undefined ? {} : { jsep }),
      success: (data) => { resolve(data ?? {}); },
      error: (err) => { reject(reason(err)); },
    });
  });
}

export function offer(handle: PluginHandle, tracks: TrackOption[]): Promise<Jsep> {
  return new Promise((resolve, reject) => {
    handle.createOffer({ tracks, success: resolve, error: (err) => { reject(reason(err)); } });
  });
}

export function answer(handle: PluginHandle, jsep: Jsep, tracks: TrackOption[]): Promise<Jsep> {
  return new Promise((resolve, reject) => {
    handle.createAnswer({ jsep, tracks, success: resolve, error: (err) => { reject(reason(err)); } });
  });
}

export function acceptAnswer(handle: PluginHandle, jsep: Jsep): Promise<void> {
  return new Promise((resolve, reject) => {
    handle.handleRemoteJsep({ jsep, success: resolve, error: (err) => { reject(reason(err)); } });
  });
}

/** The camera (small, so several pages fit on a 2-core test box) and the microphone. */
export const SEND_AUDIO_VIDEO: TrackOption[] = [
  { type: 'audio', capture: true, recv: true },
  { type: 'video', capture: { width: 320, height: 240, frameRate: 15 }, recv: true },
];

/** A plugin's error in an event or a synchronous answer, as an Error; undefined when there is none. */
export function pluginError(data: PluginMessage): Error | undefined {
  if (data.error === undefined && data.error_code === undefined) return undefined;
  return new Error(`${text(data.error_code)} ${text(data.error)}`.trim());
}

/** A value from a plugin message as text ('' when absent). */
export function text(value: unknown): string {
  if (value === undefined || value === null) return '';
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? String(value) : JSON.stringify(value);
}

const EVENT_TIMEOUT_MS = 15_000;

interface Waiter {
  match(msg: PluginMessage): boolean;
  resolve(event: { msg: PluginMessage; jsep: Jsep | undefined }): void;
  reject(err: Error): void;
}

/** A handle's plugin events, awaitable: register with next() before sending the request. */
export class PluginEvents {
  private readonly waiters = new Set<Waiter>();

  push(msg: PluginMessage, jsep: Jsep | undefined): void {
    const err = pluginError(msg);
    for (const waiter of [...this.waiters]) {
      if (err !== undefined) waiter.reject(err);
      else if (waiter.match(msg)) waiter.resolve({ msg, jsep });
    }
  }

  /** The next event `match` accepts; rejects on a plugin error event or after the deadline. */
  next(what: string, match: (msg: PluginMessage) => boolean, timeoutMs = EVENT_TIMEOUT_MS): Promise<{ msg: PluginMessage; jsep: Jsep | undefined }> {
    return new Promise((resolve, reject) => {
      const timer = window.setTimeout(() => { settle(() => { reject(new Error(`no ${what} within ${String(timeoutMs)} ms`)); }); }, timeoutMs);
      const settle = (then: () => void): void => {
        window.clearTimeout(timer);
        this.waiters.delete(waiter);
        then();
      };
      const waiter: Waiter = {
        match,
        resolve: (event) => { settle(() => { resolve(event); }); },
        reject: (err) => { settle(() => { reject(err); }); },
      };
      this.waiters.add(waiter);
    });
  }
}

/** The value of a page's input field, initialised from the URL parameter of the same name. */
export function field(page: DemoPage, id: string, fallback: string): () => string {
  const input = document.getElementById(id);
  if (!(input instanceof HTMLInputElement)) throw new Error(`the page has no input #${id}`);
  input.value = page.param(id, fallback);
  return () => input.value.trim();
}
