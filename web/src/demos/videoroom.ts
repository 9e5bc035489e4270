/**
 * Multistream VideoRoom: publish the camera in a room (created if needed) and receive every other
 * publisher on one subscriber PeerConnection. Through the proxy the room may span several Janus.
 */
import { DemoPage } from './demo-page';
import { acceptAnswer, attach, connect, field, offer, pluginError, PluginEvents, request, text } from './janus-client';
import type { PluginMessage } from './janus-types';
import { Subscriber, VIDEOROOM } from './videoroom-subscriber';

/** Janus's JANUS_VIDEOROOM_ERROR_ROOM_EXISTS. */
const ROOM_EXISTS = 427;

const page = new DemoPage();
const room = field(page, 'room', '1234');
const display = field(page, 'user', `guest-${String(Math.floor(Math.random() * 1000))}`);

function feedIds(list: unknown): number[] {
  return Array.isArray(list) ? list.flatMap((p: unknown) => (typeof (p as { id?: unknown }).id === 'number' ? [(p as { id: number }).id] : [])) : [];
}

function onRoster(subscriber: Subscriber, msg: PluginMessage): void {
  const added = feedIds(msg.publishers);
  if (added.length > 0) subscriber.add(added);
  for (const key of ['unpublished', 'leaving'] as const) {
    if (typeof msg[key] === 'number') subscriber.remove(msg[key]);
  }
}

page.onStart(async () => {
  const conn = await connect(page);
  const roomId = Number(room());
  const subscriber = new Subscriber(page, conn, roomId);
  const events = new PluginEvents();
  const publisher = await attach(page, conn, 'publisher', VIDEOROOM, {
    onmessage: (msg, jsep) => {
      events.push(msg, jsep);
      onRoster(subscriber, msg);
      if (jsep) acceptAnswer(publisher, jsep).catch((e: unknown) => { page.fail('answer', e); });
    },
  });
  const created = await request(publisher, { request: 'create', room: roomId, publishers: 16, audiocodec: 'opus', videocodec: 'vp8' });
  const createError = pluginError(created);
  if (createError && created.error_code !== ROOM_EXISTS) throw createError;
  const joined = events.next('joined', (m) => m.videoroom === 'joined');
  await request(publisher, { request: 'join', ptype: 'publisher', room: roomId, display: display() });
  const { msg } = await joined;
  page.update((s) => {
    s.info.room = roomId;
    s.info['my feed'] = text(msg.id);
  });
  const jsep = await offer(publisher, [
    { type: 'audio', capture: true, recv: false },
    { type: 'video', capture: { width: 320, height: 240, frameRate: 15 }, recv: false },
  ]);
  const configured = events.next('configured', (m) => m.configured === 'ok');
  await request(publisher, { request: 'publish', audio: true, video: true }, jsep);
  await configured;
});
