/** EchoTest: camera and microphone to one Janus through the proxy, and back. */
import { DemoPage } from './demo-page';
import { acceptAnswer, attach, connect, offer, pluginError, request, SEND_AUDIO_VIDEO } from './janus-client';

const page = new DemoPage();

page.onStart(async () => {
  const conn = await connect(page);
  // Events come only after the offer below, so `handle` is set by then.
  const handle = await attach(page, conn, 'echotest', 'janus.plugin.echotest', {
    onmessage: (msg, jsep) => {
      const err = pluginError(msg);
      if (err) page.fail('echotest', err);
      if (typeof msg.result === 'string') page.update((s) => { s.info.result = String(msg.result); });
      if (jsep) acceptAnswer(handle, jsep).catch((e: unknown) => { page.fail('answer', e); });
    },
    onremotetrack: (track, mid, on) => { page.showTrack('remote', `echo ${mid}`, track, on); },
  });
  const jsep = await offer(handle, SEND_AUDIO_VIDEO);
  await request(handle, { audio: true, video: true }, jsep);
});
