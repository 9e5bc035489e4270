// A werift AudioBridge participant speaking G.711 µ-law, so a test can both send a real tone and
// decode what it hears: proof that one participant's audio reaches another through the mix.
import { MediaStreamTrack, RtpHeader, RtpPacket } from 'werift';
import { createActiveOffer, createPc, onceConnected } from './werift-peer.js';
import { muLaw, pcmuRms } from '../../src/load/tone.js';

const RATE = 8000;
const FRAME_SAMPLES = 160; // 20 ms
const PCMU_PT = 0;

/** Root mean square of a µ-law payload, on the 16-bit scale (janus-load's own reader). */
export const rmsOf = pcmuRms;

export type PcmuPeer = {
  createOffer(): Promise<{ type: 'offer'; sdp: string }>;
  setAnswer(jsep: { type: string; sdp: string }): Promise<void>;
  /** Resolves once `count` received packets in a row are louder than `minRms`. */
  waitForLoud(count: number, minRms: number, timeoutMs: number): Promise<void>;
  /** Resolves once `count` received packets in a row are quieter than `maxRms`. */
  waitForQuiet(count: number, maxRms: number, timeoutMs: number): Promise<void>;
  close(): Promise<void>;
};

/** Sends a 440 Hz tone of `amplitude` (0: digital silence) every 20 ms once connected. */
export function createPcmuPeer(opts: { iceAddress?: string | undefined; amplitude: number }): PcmuPeer {
  const pc = createPc(opts.iceAddress, true);
  const track = new MediaStreamTrack({ kind: 'audio' });
  const transceiver = pc.addTransceiver(track, { direction: 'sendrecv' });
  const levels: number[] = [];
  const waiters = new Set<() => void>();
  transceiver.onTrack.subscribe((remote) => {
    remote.onReceiveRtp.subscribe((rtp) => {
      levels.push(rmsOf(rtp.payload));
      for (const w of [...waiters]) w();
    });
  });
  let timer: NodeJS.Timeout | undefined;
  let closed = false;
  pc.connectionStateChange.subscribe((state) => {
    if (state !== 'connected' || timer || closed) return;
    let n = 0;
    let seq = 0;
    timer = setInterval(() => {
      const payload = Buffer.alloc(FRAME_SAMPLES);
      for (let i = 0; i < FRAME_SAMPLES; i++, n++) payload[i] = muLaw(Math.round(opts.amplitude * Math.sin((2 * Math.PI * 440 * n) / RATE)));
      track.writeRtp(new RtpPacket(new RtpHeader({ payloadType: PCMU_PT, sequenceNumber: seq, timestamp: (n - FRAME_SAMPLES) >>> 0, marker: false }), payload));
      seq = (seq + 1) & 0xffff;
    }, 20);
  });

  const waitForRun = (count: number, ok: (rms: number) => boolean, what: string, timeoutMs: number): Promise<void> => {
    const from = levels.length;
    const run = (): boolean => {
      let streak = 0;
      for (let i = from; i < levels.length; i++) streak = ok(levels[i] ?? 0) ? streak + 1 : 0;
      return streak >= count;
    };
    return new Promise((resolve, reject) => {
      const check = (): void => {
        if (!run()) return;
        waiters.delete(check);
        clearTimeout(deadline);
        resolve();
      };
      const deadline = setTimeout(() => {
        waiters.delete(check);
        const heard = levels.slice(from).slice(-10).map((l) => Math.round(l));
        reject(new Error(`no ${String(count)} ${what} packets in a row within ${String(timeoutMs)} ms; last levels ${JSON.stringify(heard)}`));
      }, timeoutMs);
      waiters.add(check);
    });
  };

  return {
    createOffer: () => createActiveOffer(pc, opts.iceAddress),
    async setAnswer(jsep) {
      await pc.setRemoteDescription({ type: 'answer', sdp: jsep.sdp });
      await onceConnected(pc, 10_000);
    },
    waitForLoud: (count, minRms, timeoutMs) => waitForRun(count, (rms) => rms >= minRms, `loud (RMS >= ${String(minRms)})`, timeoutMs),
    waitForQuiet: (count, maxRms, timeoutMs) => waitForRun(count, (rms) => rms <= maxRms, `quiet (RMS <= ${String(maxRms)})`, timeoutMs),
    async close() {
      closed = true;
      clearInterval(timer);
      await pc.close();
    },
  };
}
