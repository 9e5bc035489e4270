// Multistream VideoRoom page for test/integration/videoroom-browser.test.ts: the official janus.js
// (with webrtc-adapter) as in the stock mvideoroomtest demo: one publisher handle, and ONE subscriber
// handle (one PeerConnection) that subscribes to every other publisher's streams with `join`, then
// `update`. Driven through window.vr by Playwright. Plain browser JS on purpose: runs as-is in Chromium.
/* global Janus */
(function () {
  'use strict';

  const state = {
    phase: 'idle',
    error: null,
    room: null,
    myId: null,
    privateId: null,
    publisherUp: false,
    subscriberUp: false,
    /** Other publishers announced to us: id -> display. */
    feeds: {},
    /** Feed ids we subscribed to. */
    subscribed: [],
    /** talking / stopped-talking events seen, per publisher id. */
    talking: {},
    /** `configured: ok` answers on the publisher handle. */
    configured: 0,
    /** Times the session's connection was lost, and times janus.js reconnect() claimed it back. */
    connectionLost: 0,
    reconnected: 0,
    /** Every plugin event (data only) on either handle, for diagnostics. */
    events: [],
    log: [],
  };

  let janus = null;
  let publisher = null;
  let subscriber = null;
  let subscribing = false;
  let sessionUp = false;
  /** The publisher's PeerConnection once published: a reconnect must keep this very one. */
  let publisherPc = null;
  let reconnectOnLoss = false;
  const wanted = [];
  const subscribedStreams = new Set();
  const { fail, withDeadline, until } = window.pageKit(state);




  function send(handle, message, jsep) {
    handle.send({ message: message, jsep: jsep, error: (err) => { fail('send ' + message.request, err); } });
  }

  /** New publishers (from `joined` or a `publishers` event): subscribe to their audio and video. */
  function announce(list) {
    const streams = [];
    for (const p of list || []) {
      if (p.id === state.myId || p.dummy) continue;
      state.feeds[p.id] = p.display || '';
      for (const s of p.streams || []) {
        if (s.disabled || (s.type !== 'audio' && s.type !== 'video')) continue;
        const key = p.id + '|' + s.mid;
        if (subscribedStreams.has(key)) continue;
        subscribedStreams.add(key);
        streams.push({ feed: p.id, mid: s.mid });
      }
    }
    if (streams.length > 0) subscribeTo(streams);
  }

  function gone(id) {
    Reflect.deleteProperty(state.feeds, id);
    for (const key of [...subscribedStreams]) if (key.startsWith(id + '|')) subscribedStreams.delete(key);
  }

  function onPublisherMessage(msg, jsep) {
    state.events.push(msg);
    if (msg.error) fail('publisher', msg.error_code + ' ' + msg.error);
    if (msg.configured === 'ok') state.configured += 1;
    if (msg.videoroom === 'joined') {
      state.myId = msg.id;
      state.privateId = msg.private_id;
      announce(msg.publishers);
    } else if (msg.videoroom === 'event') {
      if (msg.publishers) announce(msg.publishers);
      if (msg.leaving !== undefined && msg.leaving !== 'ok') gone(msg.leaving);
      if (msg.unpublished !== undefined && msg.unpublished !== 'ok') gone(msg.unpublished);
    } else if (msg.videoroom === 'talking' || msg.videoroom === 'stopped-talking') {
      state.talking[msg.id] = (state.talking[msg.id] || 0) + 1;
    }
    if (jsep) publisher.handleRemoteJsep({ jsep: jsep, error: (err) => { fail('publisher answer', err); } });
  }

  function onSubscriberMessage(msg, jsep) {
    state.events.push(msg);
    if (msg.error) fail('subscriber', msg.error_code + ' ' + msg.error);
    if (msg.videoroom === 'attached' || msg.videoroom === 'updated') {
      for (const s of msg.streams || []) if (s.active && s.feed_id !== undefined && !state.subscribed.includes(s.feed_id)) state.subscribed.push(s.feed_id);
      subscribing = false;
      flushWanted();
    }
    if (jsep) {
      subscriber.createAnswer({
        jsep: jsep,
        tracks: [{ type: 'data' }],
        success: (answer) => { send(subscriber, { request: 'start', room: state.room }, answer); },
        error: (err) => { fail('subscriber answer', err); },
      });
    }
  }

  /** One subscriber handle for everything: `join` the first time, `update` afterwards. */
  function subscribeTo(streams) {
    wanted.push(...streams);
    flushWanted();
  }

  function flushWanted() {
    if (subscribing || wanted.length === 0) return;
    const streams = wanted.splice(0);
    subscribing = true;
    if (subscriber) {
      send(subscriber, { request: 'update', subscribe: streams });
      return;
    }
    janus.attach({
      plugin: 'janus.plugin.videoroom',
      opaqueId: 'janus-cloud-e2e-sub-' + Janus.randomString(8),
      success: (h) => {
        subscriber = h;
        send(subscriber, { request: 'join', room: state.room, ptype: 'subscriber', private_id: state.privateId, streams: streams });
      },
      error: (err) => { fail('attach subscriber', err); },
      webrtcState: (on) => { if (on) state.subscriberUp = true; },
      onmessage: onSubscriberMessage,
      onremotetrack: () => undefined,
      oncleanup: () => undefined,
    });
  }

  function attachPublisher() {
    return new Promise((resolve, reject) => {
      janus.attach({
        plugin: 'janus.plugin.videoroom',
        opaqueId: 'janus-cloud-e2e-pub-' + Janus.randomString(8),
        success: (h) => { publisher = h; resolve(h); },
        error: (err) => { fail('attach publisher', err); reject(new Error(String(err))); },
        webrtcState: (on) => { if (on) state.publisherUp = true; },
        onmessage: onPublisherMessage,
        onlocaltrack: () => undefined,
        onremotetrack: () => undefined,
        oncleanup: () => undefined,
      });
    });
  }

  function publish() {
    return new Promise((resolve, reject) => {
      publisher.createOffer({
        tracks: [
          { type: 'audio', capture: true, recv: false },
          { type: 'video', capture: { width: 320, height: 240, frameRate: 15 }, recv: false },
        ],
        success: (jsep) => {
          send(publisher, { request: 'configure', audio: true, video: true }, jsep);
          resolve();
        },
        error: (err) => { fail('createOffer', err); reject(new Error(String(err && err.message ? err.message : err))); },
      });
    });
  }

  /**
   * What a janus.js app does when its connection drops: janus.js reconnect() opens a new WebSocket
   * to the same server (behind a load balancer: maybe another proxy) and sends `claim` for the
   * session; the plugin handles and their PeerConnections stay as they are.
   */
  function onSessionError(err) {
    if (!sessionUp || !reconnectOnLoss) {
      fail('session', err);
      return;
    }
    state.connectionLost += 1;
    reconnect();
  }

  function reconnect() {
    janus.reconnect({
      success: () => { state.reconnected += 1; },
      error: (err) => {
        state.log.push('reconnect failed: ' + err);
        setTimeout(reconnect, 500);
      },
    });
  }

  /** The publisher's connection state, if it is still the PeerConnection it published with (else 'replaced'). */
  function publisherPcState() {
    const pc = publisher && publisher.webrtcStuff && publisher.webrtcStuff.pc;
    if (!pc || pc !== publisherPc) return 'replaced';
    return pc.connectionState;
  }

  /** A `configure` on the publisher handle (e.g. a new bitrate); its answer counts in state.configured. */
  function configure(message) {
    send(publisher, Object.assign({ request: 'configure' }, message));
  }

  async function start(opts) {
    const t = opts.timeoutMs;
    state.room = opts.room;
    reconnectOnLoss = opts.reconnect === true;
    state.phase = 'init';
    await withDeadline(new Promise((resolve) => {
      Janus.init({ debug: ['warn', 'error'], callback: resolve });
    }), t, 'Janus.init');
    state.phase = 'session';
    await withDeadline(new Promise((resolve, reject) => {
      janus = new Janus({
        server: opts.server, iceServers: [],
        success: () => { sessionUp = true; resolve(); },
        error: (err) => { onSessionError(err); if (!sessionUp) reject(new Error(String(err))); },
      });
    }), t, 'create session');
    state.phase = 'attach';
    await withDeadline(attachPublisher(), t, 'attach publisher');
    state.phase = 'join';
    send(publisher, { request: 'join', room: opts.room, ptype: 'publisher', display: opts.display });
    await until(() => state.myId !== null, t, 'joined');
    state.phase = 'publish';
    await withDeadline(publish(), t, 'publish');
    await until(() => state.publisherUp, t, 'publisher webrtcup');
    if (state.error !== null) throw new Error(state.error);
    state.phase = 'published';
    publisherPc = publisher.webrtcStuff.pc;
    return { id: state.myId, privateId: state.privateId };
  }

  /** Inbound RTP on the subscriber PeerConnection: packets per kind and decoded video frames. */
  async function inbound() {
    const pc = subscriber && subscriber.webrtcStuff && subscriber.webrtcStuff.pc;
    if (!pc) return { audioPackets: 0, videoPackets: 0, framesDecoded: 0, mids: {} };
    const report = await pc.getStats();
    const out = { audioPackets: 0, videoPackets: 0, framesDecoded: 0, mids: {} };
    report.forEach((s) => {
      if (s.type !== 'inbound-rtp') return;
      if (s.kind === 'audio') out.audioPackets += s.packetsReceived || 0;
      if (s.kind === 'video') {
        out.videoPackets += s.packetsReceived || 0;
        out.framesDecoded += s.framesDecoded || 0;
      }
      if (s.mid !== undefined) out.mids[s.mid] = s.packetsReceived || 0;
    });
    return out;
  }

  function stop() {
    return new Promise((resolve) => {
      if (!janus) return resolve();
      janus.destroy({ success: resolve, error: resolve });
    });
  }

  window.vr = { state: state, start: start, inbound: inbound, configure: configure, publisherPcState: publisherPcState, sessionId: () => janus && janus.getSessionId(), stop: stop };
})();
