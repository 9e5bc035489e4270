/**
 * What a recording's file name says about it. Janus 1.1 names recordings per plugin:
 * VideoRoom `videoroom-<room>-user-<id>-<µs>-<audio|video|data>[-<mindex>].mjr`,
 * AudioBridge `audiobridge-<room>-user-<id>-<µs>-audio.mjr` (per participant; the room mix is a .wav),
 * RecordPlay `rec-<id>-<audio|video>.mjr` (in its `path`), VideoCall `videocall-<user>-<peer>-<µs>-<audio|video|data>.mjr`
 * (the media `<user>` sends, in Janus's working directory): each when the request gives no filename
 * (checked against Janus 1.1.2's files by test/integration/recordings-calls.test.ts). A custom
 * filename links to nothing but its kind when it ends so.
 */
import type { MediaKind } from './mjr-header.js';
import { splitAliasPair } from '../protocol/videocall-alias.js';

export type RecordingPlugin = 'videoroom' | 'audiobridge' | 'recordplay' | 'videocall' | 'other';

export interface RecordingName {
  plugin: RecordingPlugin;
  room?: string;
  participant?: string;
  /** VideoCall: the user at the other end of the call, when the names can be told apart. */
  peer?: string;
  /** VideoRoom/AudioBridge/VideoCall: when Janus started the recording (µs), from the name. */
  startedUs?: number;
  kind?: MediaKind;
  /** VideoRoom multistream: the m-line of this stream. */
  mindex?: number;
  /** The name without `.mjr`: also the stem of the post-processed files. */
  stem: string;
}

const KIND = '(audio|video|data)';
const ROOM_USER = new RegExp(`^(videoroom|audiobridge)-(.+)-user-(.+)-(\\d+)-${KIND}(?:-(\\d+))?$`);
const RECORDPLAY = new RegExp(`^rec-(\\d+)-${KIND}$`);
const VIDEOCALL = new RegExp(`^videocall-(.+)-(\\d+)-${KIND}$`);
const ANY_KIND = new RegExp(`-${KIND}(?:-\\d+)?$`);

export function parseRecordingName(fileName: string): RecordingName | undefined {
  if (!fileName.endsWith('.mjr')) return undefined;
  const stem = fileName.slice(0, -'.mjr'.length);
  const roomUser = ROOM_USER.exec(stem);
  if (roomUser) {
    const [, plugin, room, participant, started, kind, mindex] = roomUser;
    return {
      plugin: plugin as 'videoroom' | 'audiobridge', room, participant, startedUs: Number(started), kind: kind as MediaKind,
      mindex: mindex === undefined ? undefined : Number(mindex), stem,
    };
  }
  const recordPlay = RECORDPLAY.exec(stem);
  if (recordPlay) return { plugin: 'recordplay', participant: recordPlay[1], kind: recordPlay[2] as MediaKind, stem };
  const videoCall = VIDEOCALL.exec(stem);
  if (videoCall) return { plugin: 'videocall', ...callUsers(videoCall[1] ?? ''), startedUs: Number(videoCall[2]), kind: videoCall[3] as MediaKind, stem };
  const kind = ANY_KIND.exec(stem)?.[1] as MediaKind | undefined;
  return { plugin: 'other', kind, stem };
}

/**
 * `<user>-<peer>`: through the proxy both are its backend aliases (`<name>~<hex>`), which split
 * unambiguously into the names users know; straight from Janus, only a single dash splits, and with
 * dashes in the names both stay the participant.
 */
function callUsers(users: string): { participant: string; peer?: string } {
  const aliases = splitAliasPair(users);
  if (aliases) return { participant: aliases[0], peer: aliases[1] };
  const [user = '', peer = '', ...more] = users.split('-');
  return more.length === 0 && user !== '' && peer !== '' ? { participant: user, peer } : { participant: users };
}
