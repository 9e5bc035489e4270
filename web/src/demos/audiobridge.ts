/** AudioBridge: join a mixed audio room (created if needed) through the proxy. */
import { DemoPage } from './demo-page';
import { acceptAnswer, attach, connect, field, offer, pluginError, PluginEvents, request, text } from './janus-client';

const PLUGIN = 'janus.plugin.audiobridge';
/** Janus's JANUS_AUDIOBRIDGE_ERROR_ROOM_EXISTS. */
const ROOM_EXISTS = 486;

const page = new DemoPage();
const room = field(page, 'room', '1234');
const display = field(page, 'user', `guest-${String(Math.floor(Math.random() * 1000))}`);

page.onStart(async () => {
  const conn = await connect(page);
  const events = new PluginEvents();
  const handle = await attach(page, conn, 'audiobridge', PLUGIN, {
    onmessage: (msg, jsep) => {
      events.push(msg, jsep);
      if (Array.isArray(msg.participants)) page.update((s) => { s.info['others in the room'] = (msg.participants as unknown[]).length; });
      if (jsep) acceptAnswer(handle, jsep).catch((e: unknown) => { page.fail('answer', e); });
    },
    onremotetrack: (track, mid, on) => { page.showTrack('remote', `room mix ${mid}`, track, on); },
  });
  const roomId = Number(room());
  const created = await request(handle, { request: 'create', room: roomId, description: 'Janus Cloud demo' });
  const createError = pluginError(created);
  if (createError && created.error_code !== ROOM_EXISTS) throw createError;
  const joined = events.next('joined', (m) => m.audiobridge === 'joined' && m.id !== undefined);
  await request(handle, { request: 'join', room: roomId, display: display() });
  const { msg } = await joined;
  page.update((s) => {
    s.info.room = roomId;
    s.info['my id'] = text(msg.id);
  });
  const jsep = await offer(handle, [{ type: 'audio', capture: true, recv: true }]);
  await request(handle, { request: 'configure', muted: false }, jsep);
});
