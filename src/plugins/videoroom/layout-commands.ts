/** What each layout command does, wherever it was asked for: it runs here, at the room's owner, in the room's queue. */
import type { JsonObject } from '../../protocol/messages.js';
import { dropBackendIfGone, dropIfIdle, openBackendRoom } from './backend-rooms.js';
import type { LayoutCommand } from './layout.js';
import { mirrorPublished, repairMirrors, unmirror, updateMirroredIdentity } from './mirrors.js';
import { placeForProxy } from './place-publisher.js';
import type { LiveRoom } from './room.js';
import type { RoomRegistry } from './rooms.js';
import { changeAllowed, setRecording } from './sync-moderation.js';
import { destroyRoom, editRoom } from './sync-rooms.js';

const DONE: JsonObject = {};

export async function runLayoutCommand(reg: RoomRegistry, room: LiveRoom, command: LayoutCommand): Promise<JsonObject> {
  switch (command.op) {
    case 'place': return placeForProxy(reg, room, command);
    case 'open': await openBackendRoom(reg, room, command.backend); break;
    case 'drop': await dropBackendIfGone(reg, room, command.backend); break;
    case 'drop-if-idle': await dropIfIdle(reg, room, command.backend); break;
    case 'published': await mirrorPublished(reg, room, command.participant); break;
    case 'display': await updateMirroredIdentity(reg, room, command.participant); break;
    case 'unmirror': await unmirror(reg, room, command.participant, command.reason, command.originAlive); break;
    case 'edit': await editRoom(reg, room, command.body); break;
    case 'destroy': await destroyRoom(reg, room); break;
    case 'allowed': return changeAllowed(reg, room, command.action, command.list);
    case 'record': await setRecording(reg, room, command.record); break;
    case 'repair': await repairMirrors(reg, room, command.mirrors, command.verify); break;
    case 'check': break;
  }
  return { ...DONE };
}
