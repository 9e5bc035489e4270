// The official Janus demo pages of Debian's `janus-demos` package, served unmodified except for
// `settings.js`, which points them at the proxy (the one change a Janus deployment makes), and what a
// person would see on them: WebRTC media arriving (counted from every PeerConnection of the page).
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';

export const DEMOS_DIR = '/usr/share/janus/demos';

/**
 * URL path → file for every file of the demo folder (symlinked library folders followed) under
 * `prefix` ('/' or e.g. '/plain/'), with `settings.js` replaced by one pointing at `serverUrl`.
 */
export function demoRoutes(settingsFile: string, serverUrl: string, prefix = '/'): Record<string, string> {
  // The package's own settings, with the server set to the proxy as a deployment would. Debian's
  // copy leaves out the `token`/`apisecret` variables the pages read (upstream declares them null).
  const original = readFileSync(join(DEMOS_DIR, 'settings.js'), 'utf8');
  writeFileSync(settingsFile, `${original}\nserver = ${JSON.stringify(serverUrl)};\nvar token = null;\nvar apisecret = null;\n`);
  const routes: Record<string, string> = {};
  const walk = (dir: string, prefix: string, depth: number): void => {
    if (depth > 8) return;
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      const stat = statSync(path, { throwIfNoEntry: false });
      if (stat?.isDirectory()) walk(path, `${prefix}${name}/`, depth + 1);
      else if (stat?.isFile()) routes[`${prefix}${name}`] = path;
    }
  };
  walk(DEMOS_DIR, prefix, 0);
  routes[`${prefix}settings.js`] = settingsFile;
  return routes;
}

/** What the page's PeerConnections have received (and video frames sent) so far. */
export type Inbound = { packets: number; framesDecoded: number; audioEnergy: number; dataMessages: number; framesSent: number };

/**
 * Keeps every RTCPeerConnection a page makes in `window.__pcs` (before the page's own scripts run).
 * Plain text: the test's TypeScript compiler would add helpers the page does not have.
 */
const RECORD_PCS = `(() => {
  const Native = window.RTCPeerConnection;
  const pcs = [];
  window.__pcs = pcs;
  window.RTCPeerConnection = class extends Native {
    constructor(config) { super(config); pcs.push(this); }
  };
})();`;

export async function recordPeerConnections(page: Page): Promise<void> {
  await page.addInitScript({ content: RECORD_PCS });
}

export function inbound(page: Page): Promise<Inbound> {
  return page.evaluate(async () => {
    const total = { packets: 0, framesDecoded: 0, audioEnergy: 0, dataMessages: 0, framesSent: 0 };
    for (const pc of (window as unknown as { __pcs?: RTCPeerConnection[] }).__pcs ?? []) {
      const stats = await pc.getStats();
      stats.forEach((s: Record<string, unknown>) => {
        if (s.type === 'inbound-rtp') {
          total.packets += Number(s.packetsReceived ?? 0);
          total.framesDecoded += Number(s.framesDecoded ?? 0);
          total.audioEnergy += Number(s.totalAudioEnergy ?? 0);
        }
        if (s.type === 'outbound-rtp') total.framesSent += Number(s.framesEncoded ?? 0);
        if (s.type === 'data-channel') total.dataMessages += Number(s.messagesReceived ?? 0);
      });
    }
    return total;
  });
}

/** One video RTP stream of the page: its codec, and for a sent one the encoder's scalability mode. */
export type VideoStream = { direction: 'in' | 'out'; mimeType: string; scalabilityMode?: string; frameWidth?: number };

export function videoStreams(page: Page): Promise<VideoStream[]> {
  return page.evaluate(async () => {
    const out: VideoStream[] = [];
    for (const pc of (window as unknown as { __pcs?: RTCPeerConnection[] }).__pcs ?? []) {
      const stats = await pc.getStats();
      stats.forEach((s: Record<string, unknown>) => {
        if ((s.type !== 'inbound-rtp' && s.type !== 'outbound-rtp') || s.kind !== 'video') return;
        const codec = stats.get(String(s.codecId)) as { mimeType?: string } | undefined;
        out.push({
          direction: s.type === 'inbound-rtp' ? 'in' : 'out',
          mimeType: codec?.mimeType ?? '',
          scalabilityMode: s.scalabilityMode as string | undefined,
          frameWidth: s.frameWidth as number | undefined,
        });
      });
    }
    return out;
  });
}

/**
 * What the VP9-SVC page asks of Chrome (`--force-fieldtrials=WebRTC-SupportVP9SVC/EnabledByFlag_2SL3TL/`:
 * every VP9 sender encodes 2 spatial and 3 temporal layers), done the way today's Chromium does it: the
 * field trial is gone (with the flag, Chromium 156 still sends L1T1), the standard `scalabilityMode`
 * of the video sender replaces it. janus.js adds a plain video track with addTrack; this makes that
 * a transceiver whose one encoding is L2T3_KEY. Plain text for the page, like RECORD_PCS.
 */
export const VP9_SVC_SENDER = `(() => {
  const addTrack = RTCPeerConnection.prototype.addTrack;
  RTCPeerConnection.prototype.addTrack = function (track, ...streams) {
    if (track.kind !== 'video') return addTrack.call(this, track, ...streams);
    return this.addTransceiver(track, { direction: 'sendrecv', streams, sendEncodings: [{ scalabilityMode: 'L2T3_KEY' }] }).sender;
  };
})();`;
