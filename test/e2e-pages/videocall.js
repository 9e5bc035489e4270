// The stock Janus VideoCall demo's flow (videocalltest.js, Janus 1.1) with the official janus.js,
// minus the UI: register, list, call with audio+video+data, auto-accept an incoming call with
// createAnswer, handle accepted/update/hangup exactly as the demo does, toggle audio with `set`,
// chat over the data channel, hang up. Driven through window.vc by Playwright; one page per user.
/* global Janus */
(function () {
  'use strict';

  const state = {
    phase: 'idle',
    error: null,
    username: null,
    registered: false,
    list: null,
    /** Every result.event received, in order (calling, incomingcall, accepted, set, hangup, ...). */
    events: [],
    peer: null,
    hangup: null,
    webrtcUp: false,
    remoteTracks: { audio: 0, video: 0 },
    dataOpen: false,
    dataReceived: [],
    log: [],
  };

  let janus = null;
  let videocall = null;
  const kit = window.pageKit(state);
  const fail = kit.fail;
  const withDeadline = kit.withDeadline;
  /** Here a recorded error fails the wait. */
  const until = (check, timeoutMs, what) => kit.until(check, timeoutMs, what).then(() => { if (state.error !== null) throw new Error(state.error); });




  /** As the demo: audio, video (capture + receive) and a data channel. */
  const TRACKS = [
    { type: 'audio', capture: true, recv: true },
    { type: 'video', capture: { width: 320, height: 240, frameRate: 15 }, recv: true },
    { type: 'data' },
  ];

  /** The demo's onmessage, event by event. */
  function onMessage(msg, jsep) {
    const result = msg.result;
    if (!result) {
      fail('videocall error', msg.error_code + ' ' + msg.error);
      videocall.hangup();
      return;
    }
    if (result.list !== undefined) {
      state.list = result.list;
      return;
    }
    const event = result.event;
    state.events.push(event);
    if (event === 'registered') {
      state.registered = true;
      state.username = result.username;
      videocall.send({ message: { request: 'list' } });
    } else if (event === 'incomingcall') {
      state.peer = result.username;
      // The demo asks the user; this page answers at once.
      videocall.createAnswer({
        jsep: jsep,
        tracks: TRACKS,
        success: (answer) => { videocall.send({ message: { request: 'accept' }, jsep: answer }); },
        error: (err) => { fail('createAnswer', err); videocall.hangup(); },
      });
    } else if (event === 'accepted') {
      if (result.username) state.peer = result.username;
      if (jsep) videocall.handleRemoteJsep({ jsep: jsep, error: (err) => { fail('handleRemoteJsep', err); } });
    } else if (event === 'update') {
      if (jsep) {
        if (jsep.type === 'answer') videocall.handleRemoteJsep({ jsep: jsep, error: (err) => { fail('handleRemoteJsep', err); } });
        else {
          videocall.createAnswer({
            jsep: jsep,
            tracks: [{ type: 'audio', capture: true, recv: true }, { type: 'video', capture: true, recv: true }, { type: 'data' }],
            success: (answer) => { videocall.send({ message: { request: 'set' }, jsep: answer }); },
            error: (err) => { fail('createAnswer (update)', err); },
          });
        }
      }
    } else if (event === 'hangup') {
      // The first one says who hung up; Janus follows up with "Remote WebRTC hangup" ones as PeerConnections close.
      if (state.hangup === null) state.hangup = { username: result.username, reason: result.reason };
      videocall.hangup();
    }
  }

  function attach(server, timeoutMs) {
    return withDeadline(new Promise((resolve, reject) => {
      janus = new Janus({
        server: server,
        iceServers: [], // janus.js defaults to Google STUN: no traffic off the box
        success: () => {
          janus.attach({
            plugin: 'janus.plugin.videocall',
            opaqueId: 'videocalltest-' + Janus.randomString(12),
            success: (h) => { videocall = h; resolve(); },
            error: (err) => { fail('attach', err); reject(new Error(String(err))); },
            webrtcState: (on) => { if (on) state.webrtcUp = true; },
            onmessage: onMessage,
            onlocaltrack: () => undefined,
            onremotetrack: (track, mid, on) => { if (on && (track.kind === 'audio' || track.kind === 'video')) state.remoteTracks[track.kind]++; },
            ondataopen: () => { state.dataOpen = true; },
            ondata: (data) => { state.dataReceived.push(data); },
            oncleanup: () => undefined,
          });
        },
        error: (err) => { fail('session', err); reject(new Error(String(err))); },
      });
    }), timeoutMs, 'create session and attach');
  }

  async function start(opts) {
    state.phase = 'init';
    await withDeadline(new Promise((resolve) => { Janus.init({ debug: ['warn', 'error'], callback: resolve }); }), opts.timeoutMs, 'Janus.init');
    state.phase = 'attach';
    await attach(opts.server, opts.timeoutMs);
    state.phase = 'register';
    videocall.send({ message: { request: 'register', username: opts.username } });
    await until(() => state.registered && state.list !== null, opts.timeoutMs, 'registered and listed');
    state.phase = 'ready';
    return { list: state.list };
  }

  /** The demo's doCall: createOffer with audio, video and data, then `call` with the offer. */
  async function call(opts) {
    state.phase = 'call';
    const offer = await withDeadline(new Promise((resolve, reject) => {
      videocall.createOffer({ tracks: TRACKS, success: resolve, error: (err) => { fail('createOffer', err); reject(new Error(String(err))); } });
    }), opts.timeoutMs, 'createOffer');
    videocall.send({ message: { request: 'call', username: opts.peer }, jsep: offer });
    await until(() => state.events.includes('calling'), opts.timeoutMs, 'calling');
  }

  async function inCall(opts) {
    await until(() => state.events.includes('accepted') && state.webrtcUp && state.dataOpen, opts.timeoutMs, 'accepted, webrtcup, data channel open');
  }

  /** Inbound RTP and decoded frames on the PeerConnection (the peer's media, relayed by Janus). */
  async function inbound(opts) {
    let last = null;
    await withDeadline((async () => {
      for (;;) {
        const report = await videocall.webrtcStuff.pc.getStats();
        last = { audioPackets: 0, videoPackets: 0, framesDecoded: 0 };
        report.forEach((s) => {
          if (s.type !== 'inbound-rtp') return;
          if (s.kind === 'audio') last.audioPackets += s.packetsReceived || 0;
          if (s.kind === 'video') { last.videoPackets += s.packetsReceived || 0; last.framesDecoded += s.framesDecoded || 0; }
        });
        if (last.audioPackets >= opts.minPackets && last.videoPackets >= opts.minPackets && last.framesDecoded >= opts.minFrames) return;
        await new Promise((r) => setTimeout(r, 100));
      }
    })(), opts.timeoutMs, 'inbound RTP').catch((err) => { throw new Error(err.message + ', last stats ' + JSON.stringify(last)); });
    return last;
  }

  /** The demo's audio toggle. */
  async function muteAudio(opts) {
    const before = state.events.length;
    videocall.send({ message: { request: 'set', audio: false } });
    await until(() => state.events.slice(before).includes('set'), opts.timeoutMs, 'set');
  }

  function sendData(text) {
    videocall.data({ text: text, error: (err) => { fail('data', err); } });
  }

  /** The demo's doHangup. */
  async function hangup(opts) {
    videocall.send({ message: { request: 'hangup' } });
    videocall.hangup();
    await until(() => state.hangup !== null, opts.timeoutMs, 'hangup event');
  }

  function waitHangup(opts) {
    return until(() => state.hangup !== null, opts.timeoutMs, 'hangup event');
  }

  function waitData(opts) {
    return until(() => state.dataReceived.length > 0, opts.timeoutMs, 'data channel message');
  }

  async function stop(opts) {
    await withDeadline(new Promise((resolve, reject) => {
      janus.destroy({ success: resolve, error: (err) => { reject(new Error('destroy: ' + err)); } });
    }), opts.timeoutMs, 'destroy');
  }

  window.addEventListener('error', (ev) => { state.log.push('page error: ' + ev.message); });
  window.vc = {
    state: state, start: start, call: call, inCall: inCall, inbound: inbound, muteAudio: muteAudio,
    sendData: sendData, hangup: hangup, waitHangup: waitHangup, waitData: waitData, stop: stop,
  };
})();
