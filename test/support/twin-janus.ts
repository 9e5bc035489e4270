// Two identical real Janus servers: one answers directly, the other sits behind a test proxy, so a
// test can send the same requests to both and compare what comes back.
import { startJanus, type JanusInstance, type JanusOptions } from './janus-fixture.js';
import { startTestProxy, type ProxyOverrides, type TestProxy } from './proxy-fixture.js';

export type TwinJanus = { direct: JanusInstance; behind: JanusInstance; proxy: TestProxy; stop(): Promise<void> };

export async function startTwinJanus(janus: JanusOptions = {}, proxy: ProxyOverrides = {}): Promise<TwinJanus> {
  const [direct, behind] = await Promise.all([startJanus({ netns: false, ...janus }), startJanus({ netns: false, ...janus })]);
  const running = await startTestProxy([behind], proxy);
  return {
    direct,
    behind,
    proxy: running,
    async stop() {
      await running.stop();
      await Promise.all([direct.stop(), behind.stop()]);
    },
  };
}
