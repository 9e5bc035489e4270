// A scenario's own control session (not a load peer): creates what the peers join (a room, a
// mountpoint) and destroys it at the end. Its requests are timed with the peers' ones.
import type { PeerSettings } from '../load-peer.js';
import { Signalling, type Data } from '../signalling.js';
import type { RawStats } from '../stats.js';

export type Control = { signalling: Signalling; handle: number; created: Data };

/** Opens a session, attaches `plugin` and sends `create`; closes the session again on failure. */
export async function openControl(settings: PeerSettings, stats: RawStats, plugin: string, create: Data): Promise<Control> {
  const signalling = await Signalling.open(settings.url, settings.transport, settings.credentials, (verb, ms) => {
    (stats.signallingMs[verb] ??= []).push(ms);
  });
  try {
    await signalling.createSession();
    const handle = await signalling.attach(plugin);
    const { data } = await signalling.message(handle, create);
    if (signalling.id !== undefined) settings.controlSessions.add(signalling.id);
    return { signalling, handle, created: data };
  } catch (err) {
    await signalling.close();
    throw err;
  }
}

/** Sends `destroy` (best effort) and closes the control session; nothing when it was never opened. */
export async function closeControl(control: Promise<Control> | undefined, destroy: Data): Promise<void> {
  if (!control) return;
  const { signalling, handle } = await control;
  await signalling.message(handle, destroy).catch(() => undefined);
  await signalling.close();
}
