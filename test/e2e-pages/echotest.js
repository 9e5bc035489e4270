// EchoTest page for test/integration/janus-js-browser.test.ts and http-janus-js.test.ts: the official
// janus.js (with webrtc-adapter) against a Janus API URL — ws:// or http://, janus.js picks its
// transport by the scheme — driven through window.echo by Playwright.
// Plain browser JS on purpose: this runs as-is in Chromium, unbundled.
/* global Janus */
(function () {
  'use strict';

  const state = {
    phase: 'idle',
    error: null,
    sessionId: null,
    handleId: null,
    answerHandled: false,
    result: null,
    webrtcUp: false,
    webrtcDown: null,
    media: { audio: null, video: null },
    iceStates: [],
    detached: false,
    destroyed: false,
    /** Every Janus API frame on the WebSocket (or HTTP body), both directions, for diagnostics. */
    frames: [],
    /** janus.js warnings/errors and page errors. */
    log: [],
  };

  let janus = null;
  let handle = null;
  const { fail, withDeadline, until } = window.pageKit(state);


  /** A WebSocket that records the Janus API frames janus.js sends and receives. */
  class RecordingWebSocket extends WebSocket {
    constructor(url, protocols) {
      super(url, protocols);
      this.addEventListener('message', (ev) => { state.frames.push({ dir: 'in', at: Date.now(), data: String(ev.data) }); });
      this.addEventListener('close', (ev) => { state.frames.push({ dir: 'close', at: Date.now(), data: String(ev.code) }); });
    }
    send(data) {
      state.frames.push({ dir: 'out', at: Date.now(), data: String(data) });
      super.send(data);
    }
  }

  /** fetch for janus.js over HTTP: records request bodies and response bodies like WebSocket frames. */
  function recordingFetch(url, options) {
    const body = options && options.body;
    if (body !== undefined) state.frames.push({ dir: 'out', at: Date.now(), data: String(body), url: String(url) });
    return fetch(url, options).then((response) => {
      response.clone().text().then((text) => {
        if (text) state.frames.push({ dir: 'in', at: Date.now(), data: text, url: String(url) });
      }, () => undefined);
      return response;
    });
  }


  function init() {
    return new Promise((resolve) => {
      Janus.init({
        debug: ['warn', 'error'],
        dependencies: Janus.useDefaultDependencies({ WebSocket: RecordingWebSocket, fetch: recordingFetch }),
        callback: resolve,
      });
    });
  }

  function connect(server) {
    return new Promise((resolve, reject) => {
      janus = new Janus({
        server: server,
        iceServers: [], // janus.js defaults to Google STUN: no traffic off the box
        success: resolve,
        error: (err) => { fail('session', err); reject(new Error(String(err))); },
        destroyed: () => { state.destroyed = true; },
      });
    });
  }

  function attach() {
    return new Promise((resolve, reject) => {
      janus.attach({
        plugin: 'janus.plugin.echotest',
        opaqueId: 'janus-cloud-e2e-' + Janus.randomString(8),
        success: (h) => { handle = h; resolve(h); },
        error: (err) => { fail('attach', err); reject(new Error(String(err))); },
        iceState: (s) => { state.iceStates.push(s); },
        webrtcState: (on, reason) => {
          if (on) state.webrtcUp = true;
          else state.webrtcDown = reason || 'down';
        },
        mediaState: (kind, receiving) => {
          if (kind === 'audio' || kind === 'video') state.media[kind] = receiving;
        },
        onmessage: (msg, jsep) => {
          if (msg && msg.result) state.result = msg.result;
          if (msg && msg.error) fail('echotest', msg.error_code + ' ' + msg.error);
          if (jsep) {
            handle.handleRemoteJsep({
              jsep: jsep,
              success: () => { state.answerHandled = true; },
              error: (err) => { fail('handleRemoteJsep', err); },
            });
          }
        },
        onlocaltrack: () => undefined,
        onremotetrack: () => undefined,
        oncleanup: () => undefined,
        ondetached: () => { state.detached = true; },
      });
    });
  }

  function offer() {
    return new Promise((resolve, reject) => {
      handle.createOffer({
        tracks: [
          { type: 'audio', capture: true, recv: true },
          { type: 'video', capture: { width: 320, height: 240, frameRate: 15 }, recv: true },
        ],
        success: resolve,
        error: (err) => { fail('createOffer', err); reject(new Error(String(err && err.message ? err.message : err))); },
      });
    });
  }


  async function start(opts) {
    const t = opts.timeoutMs;
    state.phase = 'init';
    await withDeadline(init(), t, 'Janus.init');
    state.phase = 'create';
    await withDeadline(connect(opts.server), t, 'create session');
    state.sessionId = janus.getSessionId();
    state.phase = 'attach';
    await withDeadline(attach(), t, 'attach echotest');
    state.handleId = handle.getId();
    state.phase = 'offer';
    const jsep = await withDeadline(offer(), t, 'createOffer');
    state.phase = 'send';
    handle.send({
      message: { audio: true, video: true },
      jsep: jsep,
      error: (err) => { fail('send', err); },
    });
    state.phase = 'answer';
    await until(() => state.answerHandled, t, 'answer handled');
    if (state.error !== null) throw new Error(state.error);
    state.phase = 'media';
    return { sessionId: state.sessionId, handleId: state.handleId };
  }

  /** Only a session, no handle: for session-level checks such as janus.js's destroy-on-unload. */
  async function session(opts) {
    await withDeadline(init(), opts.timeoutMs, 'Janus.init');
    await withDeadline(connect(opts.server), opts.timeoutMs, 'create session');
    state.sessionId = janus.getSessionId();
    return state.sessionId;
  }

  /** One getStats() snapshot: inbound RTP per kind and the selected ICE pair. */
  async function snapshot() {
    const pc = handle && handle.webrtcStuff && handle.webrtcStuff.pc;
    if (!pc) throw new Error('no PeerConnection');
    const report = await pc.getStats();
    const out = { audioPackets: 0, videoPackets: 0, framesDecoded: 0, remoteAddress: null, remotePort: null };
    let pairId = null;
    report.forEach((s) => {
      if (s.type === 'inbound-rtp' && s.kind === 'audio') out.audioPackets += s.packetsReceived || 0;
      if (s.type === 'inbound-rtp' && s.kind === 'video') {
        out.videoPackets += s.packetsReceived || 0;
        out.framesDecoded += s.framesDecoded || 0;
      }
      if (s.type === 'transport' && s.selectedCandidatePairId) pairId = s.selectedCandidatePairId;
    });
    const pair = pairId !== null ? report.get(pairId) : undefined;
    const remote = pair ? report.get(pair.remoteCandidateId) : undefined;
    if (remote) {
      out.remoteAddress = remote.address || remote.ip || null;
      out.remotePort = remote.port || null;
    }
    return out;
  }

  /** Poll getStats() until both kinds received minPackets and minFrames video frames were decoded. */
  async function inbound(opts) {
    let last = null;
    await withDeadline((async () => {
      for (;;) {
        last = await snapshot();
        if (last.audioPackets >= opts.minPackets && last.videoPackets >= opts.minPackets && last.framesDecoded >= opts.minFrames) return;
        await new Promise((r) => setTimeout(r, 100));
      }
    })(), opts.timeoutMs, 'inbound RTP ' + JSON.stringify(opts)).catch((err) => {
      throw new Error(err.message + ', last stats ' + JSON.stringify(last));
    });
    return last;
  }

  /** detach (success callback), then destroy the session (success callback); both with deadlines. */
  async function stop(opts) {
    state.phase = 'detach';
    await withDeadline(new Promise((resolve, reject) => {
      handle.detach({ success: resolve, error: (err) => { reject(new Error('detach: ' + err)); } });
    }), opts.timeoutMs, 'detach');
    state.phase = 'destroy';
    await withDeadline(new Promise((resolve, reject) => {
      janus.destroy({ success: resolve, error: (err) => { reject(new Error('destroy: ' + err)); } });
    }), opts.timeoutMs, 'destroy');
    state.phase = 'stopped';
  }

  window.addEventListener('error', (ev) => { state.log.push('page error: ' + ev.message); });
  window.addEventListener('unhandledrejection', (ev) => { state.log.push('unhandled rejection: ' + String(ev.reason)); });

  window.echo = { state: state, start: start, session: session, inbound: inbound, stop: stop };
})();
