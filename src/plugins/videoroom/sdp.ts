/** What the proxy reads from a publisher's SDP: the RTP header extension ids its remote copies need. */

const EXTENSIONS: Record<string, string> = {
  'urn:ietf:params:rtp-hdrext:ssrc-audio-level': 'audiolevel_ext_id',
  'urn:3gpp:video-orientation': 'videoorient_ext_id',
  'http://www.webrtc.org/experiments/rtp-hdrext/playout-delay': 'playoutdelay_ext_id',
};

/**
 * The negotiated extension ids per m-line index, keyed as `add_remote_publisher` names them. The
 * origin forwards the publisher's RTP unchanged, so the remote copy must know the publisher's ids.
 */
export function extensionIds(sdp: string): Record<string, Record<string, number>> {
  const out: Record<string, Record<string, number>> = {};
  let mindex = -1;
  for (const line of sdp.split(/\r?\n/)) {
    if (line.startsWith('m=')) {
      mindex++;
      continue;
    }
    if (mindex < 0 || !line.startsWith('a=extmap:')) continue;
    const match = /^a=extmap:(\d+)(?:\/\w+)? (\S+)/.exec(line);
    const key = match ? EXTENSIONS[match[2] ?? ''] : undefined;
    if (!match || key === undefined) continue;
    (out[String(mindex)] ??= {})[key] = Number(match[1]);
  }
  return out;
}
