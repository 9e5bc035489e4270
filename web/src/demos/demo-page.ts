/**
 * What every demo page shares: its state (exposed as `window.demo` for the browser tests), the
 * status panel (connection, session and handle ids, the backend each handle landed on, ICE, WebRTC
 * and media state), the log, the media elements and the Start button.
 */
import '../styles.css';
import { api, ApiError, storedToken, storeToken } from '../api';
import type { SessionView } from '../../../src/admin/dashboard-types.js';

export interface HandleState {
  role: string;
  plugin: string;
  id: number | null;
  /** The Janus this handle landed on, from the admin API's GET /sessions/{id}. */
  backend: string | null;
  /** The admin API has answered for this handle (a p2pcall handle has no backend). */
  located: boolean;
  ice: string | null;
  webrtcUp: boolean;
  webrtcDown: string | null;
  media: Record<string, boolean>;
}

export interface DemoState {
  phase: 'idle' | 'connecting' | 'connected' | 'closed' | 'error';
  server: string;
  sessionId: number | null;
  error: string | null;
  handles: Record<string, HandleState>;
  /** Page-specific facts (room, user name, peers), shown in the status panel. */
  info: Record<string, string | number | boolean>;
  log: string[];
}

const LOG_LINES = 200;
/** The proxy's Janus API WebSocket port in the default configuration (`npm run cluster`). */
const DEFAULT_WS_PORT = 8288;

/** What every demo page shows under its own controls: the admin-token form, the status, the media and the log. */
const COMMON_SECTIONS = `
  <form id="token-form" class="controls" hidden>
    <input name="token" type="password" autocomplete="current-password" placeholder="admin token, to show the backend" />
    <button type="submit">Save token</button>
  </form>
  <section class="status" id="status"></section>
  <section class="videos" id="videos"></section>
  <pre class="log" id="log"></pre>`;

function addCommonSections(): void {
  const container = document.querySelector('.demo');
  if (!container) throw new Error('the page has no .demo');
  container.insertAdjacentHTML('beforeend', COMMON_SECTIONS);
}

function element(id: string): HTMLElement {
  const found = document.getElementById(id);
  if (!found) throw new Error(`the page has no #${id}`);
  return found;
}

function row(term: string, value: string): DocumentFragment {
  const fragment = document.createDocumentFragment();
  const dt = document.createElement('dt');
  dt.textContent = term;
  const dd = document.createElement('dd');
  dd.textContent = value;
  fragment.append(dt, dd);
  return fragment;
}

export class DemoPage {
  readonly params = new URLSearchParams(location.search);
  readonly state: DemoState;
  private renderQueued = false;

  constructor() {
    this.state = {
      phase: 'idle',
      server: this.params.get('server') ?? `ws://${location.hostname}:${String(DEFAULT_WS_PORT)}`,
      sessionId: null,
      error: null,
      handles: {},
      info: {},
      log: [],
    };
    (window as unknown as { demo: DemoPage }).demo = this;
    addCommonSections();
    element('server').textContent = this.state.server;
    this.wireTokenForm();
    this.render();
  }

  /** Runs `start` from the Start button, or at once with `?autostart=1`. */
  onStart(start: () => Promise<void>): void {
    const button = element('start') as HTMLButtonElement;
    const run = (): void => {
      button.disabled = true;
      start().catch((err: unknown) => { this.fail('start', err); });
    };
    button.addEventListener('click', run);
    if (this.params.get('autostart') === '1') run();
  }

  param(name: string, fallback: string): string {
    return this.params.get(name) ?? fallback;
  }

  update(change: (state: DemoState) => void): void {
    change(this.state);
    if (this.renderQueued) return;
    this.renderQueued = true;
    queueMicrotask(() => {
      this.renderQueued = false;
      this.render();
    });
  }

  handle(role: string, plugin: string): HandleState {
    const h: HandleState = { role, plugin, id: null, backend: null, located: false, ice: null, webrtcUp: false, webrtcDown: null, media: {} };
    this.update((s) => { s.handles[role] = h; });
    return h;
  }

  log(line: string): void {
    this.update((s) => {
      s.log.push(`${new Date().toLocaleTimeString([], { hour12: false })} ${line}`);
      if (s.log.length > LOG_LINES) s.log.shift();
    });
  }

  fail(what: string, err: unknown): void {
    const text = `${what}: ${err instanceof Error ? err.message : typeof err === 'string' ? err : JSON.stringify(err)}`;
    this.log(`ERROR ${text}`);
    this.update((s) => {
      s.error ??= text;
      s.phase = 'error';
    });
  }

  /** Asks the admin API which backend each handle of this session landed on. */
  async lookUpBackends(): Promise<void> {
    const token = storedToken();
    const sessionId = this.state.sessionId;
    if (token === null || sessionId === null) return;
    try {
      const view = await api<SessionView>(`/sessions/${String(sessionId)}`, token);
      this.update(() => {
        for (const h of Object.values(this.state.handles)) {
          const found = view.handles.find((v) => v.handle_id === h.id);
          if (!found) continue;
          h.backend = found.backend ?? null;
          h.located = true;
        }
      });
    } catch (err) {
      this.log(`backend lookup failed: ${err instanceof ApiError ? `${String(err.status)} ${err.message}` : String(err)}`);
    }
  }

  /** Shows a local or remote track; `on` false removes it. */
  showTrack(key: string, label: string, track: MediaStreamTrack, on: boolean): void {
    const videos = element('videos');
    const id = `track-${key}-${track.id}`.replace(/[^\w-]/g, '_');
    document.getElementById(id)?.remove();
    if (!on || track.readyState === 'ended') return;
    const figure = document.createElement('figure');
    figure.id = id;
    const media = document.createElement(track.kind === 'video' ? 'video' : 'audio');
    media.autoplay = true;
    media.muted = key === 'local'; // no echo of our own microphone
    if (media instanceof HTMLVideoElement) media.playsInline = true;
    media.srcObject = new MediaStream([track]);
    const caption = document.createElement('figcaption');
    caption.textContent = `${label} (${track.kind})`;
    figure.append(media, caption);
    if (track.kind === 'audio') figure.hidden = true;
    videos.append(figure);
  }

  /** The "admin token" field shown while none is stored: the backend lookup needs it. */
  private wireTokenForm(): void {
    const form = element('token-form') as HTMLFormElement;
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      const input = form.elements.namedItem('token');
      if (!(input instanceof HTMLInputElement) || input.value.trim() === '') return;
      storeToken(input.value.trim());
      this.update(() => undefined);
      void this.lookUpBackends();
    });
  }

  private landedOn(h: HandleState): string {
    if (h.backend !== null) return h.backend;
    if (h.located) return h.plugin === 'janus.plugin.p2pcall' ? 'no Janus: media goes peer to peer' : 'not placed yet';
    return storedToken() === null ? 'unknown: enter the admin token' : 'looking up…';
  }

  private render(): void {
    const s = this.state;
    const dl = document.createElement('dl');
    dl.append(row('connection', s.phase), row('session', s.sessionId === null ? '–' : String(s.sessionId)));
    for (const [key, value] of Object.entries(s.info)) dl.append(row(key, String(value)));
    for (const h of Object.values(s.handles)) {
      const media = Object.entries(h.media).map(([kind, on]) => `${kind} ${on ? 'receiving' : 'stopped'}`).join(', ') || 'none yet';
      const webrtc = h.webrtcUp ? (h.webrtcDown === null ? 'up' : `down (${h.webrtcDown})`) : 'not up';
      dl.append(row(h.role, `${h.plugin.replace('janus.plugin.', '')} handle ${h.id === null ? '–' : String(h.id)}`));
      dl.append(row('  landed on', this.landedOn(h)));
      dl.append(row('  ICE / WebRTC', `${h.ice ?? '–'} / ${webrtc}`));
      dl.append(row('  media', media));
    }
    if (s.error !== null) dl.append(row('error', s.error));
    element('status').replaceChildren(dl);
    element('log').textContent = s.log.join('\n');
    element('token-form').hidden = storedToken() !== null;
  }
}
