// What a browser test stands on: real Janus servers, a test proxy in front of them, a static web
// server for the test's pages and headless Chromium. Started in that order and stopped in reverse,
// also when a later start fails.
import { startJanusCluster, type JanusInstance, type JanusOptions } from './janus-fixture.js';
import { startTestProxy, type ProxyOverrides, type TestProxy } from './proxy-fixture.js';
import { startStaticServer, type StaticServer } from './static-server.js';
import { launchChromium, type ChromiumBrowser, type ChromiumOptions } from './chromium.js';

export type BrowserCluster = {
  janus: JanusInstance[];
  proxy: TestProxy;
  web: StaticServer;
  browser: ChromiumBrowser;
  stop(): Promise<void>;
};

export type BrowserClusterOptions = {
  chromium: string | undefined;
  janus: JanusOptions;
  proxy?: ProxyOverrides;
  /** URL path → file, served to the browser. */
  routes: Readonly<Record<string, string>>;
  timeoutMs: number;
  chromiumOptions?: ChromiumOptions;
};

export async function startBrowserCluster(opts: BrowserClusterOptions): Promise<BrowserCluster> {
  const stops: (() => Promise<void>)[] = [];
  const stop = async (): Promise<void> => {
    for (const step of stops.splice(0).reverse()) await step().catch(() => undefined);
  };
  try {
    const janus = await startJanusCluster(2, opts.janus);
    stops.push(() => Promise.all(janus.map((j) => j.stop())).then(() => undefined));
    const proxy = await startTestProxy(janus, opts.proxy);
    stops.push(() => proxy.stop());
    const web = await startStaticServer(opts.routes);
    stops.push(() => web.close());
    const browser = await launchChromium(opts.chromium, opts.timeoutMs, opts.chromiumOptions);
    stops.push(() => browser.close());
    return { janus, proxy, web, browser, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
