/**
 * The display names of recorded VideoRoom and AudioBridge participants. A recording's file name
 * gives only the room and the participant's id; while the participant is still in the room (as
 * when its recording is first seen), Janus's own `listparticipants` names it. Asked through the
 * Admin API's `message_plugin`, once per room and scan; a name learned is kept with the recording.
 */
import { isJsonObject, type JsonObject } from '../../protocol/messages.js';

/** Sends one plugin request through the Admin API (`message_plugin`) and gives its `response`. */
export type PluginAsker = (plugin: string, request: JsonObject) => Promise<JsonObject>;

const PLUGINS: Readonly<Record<string, string>> = { videoroom: 'janus.plugin.videoroom', audiobridge: 'janus.plugin.audiobridge' };

/** Room ids in file names are text; a room with numeric ids is asked with a number. */
function roomParam(room: string): string | number {
  return /^\d{1,15}$/.test(room) ? Number(room) : room;
}

export class ParticipantNames {
  /** Per plugin and room, within one scan: participant id → display. */
  private rooms = new Map<string, Promise<Map<string, string>>>();

  constructor(private readonly ask: PluginAsker) {}

  /** Starts a new scan: rooms are asked again. */
  forget(): void {
    this.rooms = new Map();
  }

  /** The participant's display name, or undefined (not a room plugin, gone, no display, or Janus did not answer). */
  async displayOf(plugin: string, room: string | undefined, participant: string | undefined): Promise<string | undefined> {
    const pluginPackage = PLUGINS[plugin];
    if (pluginPackage === undefined || room === undefined || participant === undefined) return undefined;
    const key = `${plugin}|${room}`;
    let names = this.rooms.get(key);
    if (!names) {
      names = this.participants(pluginPackage, room);
      this.rooms.set(key, names);
    }
    return (await names).get(participant);
  }

  private async participants(pluginPackage: string, room: string): Promise<Map<string, string>> {
    const names = new Map<string, string>();
    try {
      const response = await this.ask(pluginPackage, { request: 'listparticipants', room: roomParam(room) });
      const list = Array.isArray(response.participants) ? response.participants : [];
      for (const p of list) {
        if (isJsonObject(p) && typeof p.display === 'string' && (typeof p.id === 'number' || typeof p.id === 'string')) names.set(String(p.id), p.display);
      }
    } catch {
      // No names this scan; the next one asks again.
    }
    return names;
  }
}
