/**
 * VideoCall and P2PCall (same API; the page's body says which plugin): register a name, call
 * another one or answer an incoming call.
 */
import { DemoPage } from './demo-page';
import { acceptAnswer, answer, attach, connect, field, offer, PluginEvents, request, SEND_AUDIO_VIDEO, text } from './janus-client';
import type { PluginHandle, PluginMessage } from './janus-types';

const plugin = document.body.dataset.plugin ?? 'janus.plugin.videocall';
const page = new DemoPage();
const user = field(page, 'user', `user-${String(Math.floor(Math.random() * 10_000))}`);
const peer = field(page, 'peer', '');
const callButton = document.getElementById('call') as HTMLButtonElement;

function result(msg: PluginMessage): { event?: unknown; username?: unknown; reason?: unknown } {
  return typeof msg.result === 'object' && msg.result !== null ? msg.result : {};
}

function onEvent(handle: PluginHandle, msg: PluginMessage, jsep: RTCSessionDescriptionInit | undefined): void {
  const r = result(msg);
  if (r.event === 'incomingcall' && jsep) {
    page.update((s) => { s.info.call = `incoming from ${text(r.username)}`; });
    answer(handle, jsep, SEND_AUDIO_VIDEO)
      .then((mine) => request(handle, { request: 'accept' }, mine))
      .then(() => { page.update((s) => { s.info.call = `in call with ${text(r.username)}`; }); })
      .catch((e: unknown) => { page.fail('accept', e); });
  } else if (r.event === 'accepted') {
    page.update((s) => { s.info.call = `in call with ${text(r.username ?? page.state.info.peer)}`; });
    if (jsep) acceptAnswer(handle, jsep).catch((e: unknown) => { page.fail('answer', e); });
  } else if (r.event === 'hangup') {
    page.update((s) => { s.info.call = `hung up (${text(r.reason)})`; });
  } else if (jsep) {
    // A renegotiation (update) from the other side.
    acceptAnswer(handle, jsep).catch((e: unknown) => { page.fail('update', e); });
  }
}

async function call(handle: PluginHandle, events: PluginEvents, name: string): Promise<void> {
  page.update((s) => {
    s.info.peer = name;
    s.info.call = `calling ${name}`;
  });
  const accepted = events.next('accepted', (m) => result(m).event === 'accepted');
  const jsep = await offer(handle, SEND_AUDIO_VIDEO);
  await request(handle, { request: 'call', username: name }, jsep);
  await accepted;
}

page.onStart(async () => {
  const conn = await connect(page);
  const events = new PluginEvents();
  const handle = await attach(page, conn, 'call', plugin, {
    onmessage: (msg, jsep) => {
      events.push(msg, jsep);
      onEvent(handle, msg, jsep);
    },
    onremotetrack: (track, mid, on) => { page.showTrack('remote', `${text(page.state.info.peer ?? 'peer')} ${mid}`, track, on); },
  });
  const registered = events.next('registered', (m) => result(m).event === 'registered');
  await request(handle, { request: 'register', username: user() });
  await registered;
  page.update((s) => { s.info.registered = user(); });
  callButton.disabled = false;
  callButton.addEventListener('click', () => {
    callButton.disabled = true;
    call(handle, events, peer()).catch((e: unknown) => { page.fail('call', e); });
  });
  if (peer() !== '') await call(handle, events, peer());
});
