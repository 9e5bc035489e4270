// `npm run cluster`: a local Janus Cloud cluster for trying things out — two supervised-by-this-script
// Janus servers with generated configs and the proxy on ws://127.0.0.1:8288 in front of them,
// using the default in-memory store. Ctrl-C stops everything.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import WebSocket from 'ws';
import { pino } from 'pino';
import { writeJanusConfig } from '../src/janus/config-writer.js';
import { parseProxyConfig } from '../src/config/load.js';
import { startProxy } from '../src/proxy.js';

const { values } = parseArgs({ options: { janus: { type: 'string', default: '2' }, 'ws-port': { type: 'string', default: '8288' } } });
const JANUS_COUNT = Number(values.janus);
const READY_TIMEOUT_MS = 15_000;
const root = resolve('.tmp/cluster');

function janusPorts(index: number): { ws: number; adminWs: number; http: number; adminHttp: number } {
  return { ws: 8188 + 10 * index, adminWs: 7188 + 10 * index, http: 8088 + 10 * index, adminHttp: 7088 + 10 * index };
}

function answersInfo(url: string): Promise<boolean> {
  return new Promise((resolveProbe) => {
    const ws = new WebSocket(url, 'janus-protocol');
    const done = (ok: boolean): void => { ws.terminate(); resolveProbe(ok); };
    ws.on('open', () => { ws.send(JSON.stringify({ janus: 'info', transaction: 'ready' })); });
    ws.on('message', () => { done(true); });
    ws.on('error', () => { done(false); });
  });
}

async function waitReady(url: string, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`janus exited with code ${String(child.exitCode)}`);
    if (await answersInfo(url)) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${url} did not answer in time`);
}

const children: ChildProcess[] = [];
function stopJanus(): void {
  for (const child of children) if (child.exitCode === null) child.kill('SIGTERM');
}
process.on('exit', stopJanus);

async function main(): Promise<void> {
  rmSync(root, { recursive: true, force: true });
  const backends: { name: string; url: string }[] = [];
  for (let i = 0; i < JANUS_COUNT; i++) {
    const dir = join(root, `janus${String(i + 1)}`);
    mkdirSync(dir, { recursive: true });
    const ports = janusPorts(i);
    const config = writeJanusConfig({
      dir, host: '127.0.0.1', ports, http: false, adminSecret: 'janusoverlord',
      plugins: ['echotest', 'videoroom', 'videocall', 'audiobridge', 'streaming', 'textroom', 'recordplay', 'sip', 'nosip', 'voicemail'],
      debugLevel: 4, rtpPortRange: `${String(20000 + 1000 * i)}-${String(20999 + 1000 * i)}`, serverName: `janus${String(i + 1)}`,
    });
    const child = spawn('janus', ['-C', config, '-F', dir], { stdio: 'ignore' });
    children.push(child);
    const url = `ws://127.0.0.1:${String(ports.ws)}`;
    await waitReady(url, child);
    backends.push({ name: `janus${String(i + 1)}`, url });
    console.log(`janus${String(i + 1)}: pid ${String(child.pid)}, Janus API ${url}, log ${join(dir, 'janus.log')}`);
  }
  const config = parseProxyConfig({
    ws_transport: { host: '127.0.0.1', port: Number(values['ws-port']) },
    janus_server: backends,
  });
  const proxy = await startProxy(config, pino({ level: 'info' }));
  await proxy.cluster.waitConnected(READY_TIMEOUT_MS);
  console.log(`\njanus-proxy: ${proxy.wsUrl ?? ''} in front of ${String(backends.length)} Janus servers. Ctrl-C stops the cluster.`);
  if (proxy.adminUrl) console.log(`dashboard: ${proxy.adminUrl}/ (admin token: ${proxy.adminToken ?? ''}); demo pages: ${proxy.adminUrl}/demos/`);
  const shutdown = (): void => {
    void proxy.stop().finally(() => {
      stopJanus();
      process.exit(0);
    });
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}

main().catch((err: unknown) => {
  console.error(`local cluster failed: ${err instanceof Error ? err.message : String(err)}`);
  stopJanus();
  process.exit(1);
});
