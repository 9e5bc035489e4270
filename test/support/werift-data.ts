// A werift peer for the TextRoom: answers Janus's data-channel offer and opens the channel itself,
// as janus.js does (Janus answers on the channel the client opens).
import { RTCPeerConnection, type RTCDataChannel } from 'werift';
import { onceConnected } from './werift-peer.js';

export type DataPeer = {
  pc: RTCPeerConnection;
  answer(offer: { type: string; sdp: string }): Promise<{ type: 'answer'; sdp: string }>;
  /** Resolves once the channel is open. */
  open(timeoutMs?: number): Promise<void>;
  send(msg: Record<string, unknown>): void;
  /** First received JSON message matching `pred` (including ones already received). */
  waitFor(pred: (m: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>;
  close(): Promise<void>;
};

export function createDataPeer(iceAddress: string | undefined): DataPeer {
  const pc = new RTCPeerConnection({
    iceServers: [],
    iceUseIpv6: false,
    ...(iceAddress !== undefined ? { iceInterfaceAddresses: { udp4: iceAddress } } : {}),
  });
  const received: Record<string, unknown>[] = [];
  const waiters = new Set<() => void>();
  let channel: RTCDataChannel | undefined;

  const attach = (dc: RTCDataChannel): void => {
    dc.onMessage.subscribe((data) => {
      try {
        received.push(JSON.parse(typeof data === 'string' ? data : data.toString('utf8')) as Record<string, unknown>);
      } catch {
        return;
      }
      for (const w of [...waiters]) w();
    });
  };

  return {
    pc,
    async answer(offer) {
      await pc.setRemoteDescription({ type: 'offer', sdp: offer.sdp });
      channel = pc.createDataChannel('JanusDataChannel');
      attach(channel);
      await pc.setLocalDescription(await pc.createAnswer());
      return { type: 'answer', sdp: pc.localDescription?.sdp ?? '' };
    },
    async open(timeoutMs = 10_000) {
      await onceConnected(pc, timeoutMs);
      const dc = channel;
      if (!dc) throw new Error('no data channel: answer() first');
      if (dc.readyState === 'open') return;
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => { reject(new Error(`data channel not open after ${String(timeoutMs)} ms`)); }, timeoutMs);
        dc.stateChanged.subscribe((state) => {
          if (state !== 'open') return;
          clearTimeout(timer);
          resolve();
        });
      });
    },
    send(msg) {
      if (!channel) throw new Error('no data channel');
      channel.send(JSON.stringify(msg));
    },
    waitFor(pred, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const check = (): boolean => {
          const hit = received.find(pred);
          if (!hit) return false;
          waiters.delete(onMessage);
          clearTimeout(timer);
          resolve(hit);
          return true;
        };
        const onMessage = (): void => { check(); };
        const timer = setTimeout(() => {
          waiters.delete(onMessage);
          reject(new Error(`no matching data channel message within ${String(timeoutMs)} ms: ${JSON.stringify(received)}`));
        }, timeoutMs);
        if (!check()) waiters.add(onMessage);
      });
    },
    async close() {
      await pc.close();
    },
  };
}
