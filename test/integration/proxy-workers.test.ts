// `janus-proxy --workers 2` on a real Redis in front of a real Janus: two worker processes share the
// listening port, connections spread over both (each worker owns the sessions made through it), and
// a `claim` on a connection served by the other worker moves the session there, handle included.
// The admin API (whichever worker answers) lists both workers with their numbers and sessions, and
// /metrics gives both workers' series in every scrape; both run with the runtime flags the primary
// was started with.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { get } from 'node:http';
import { PROXY_NODE_FLAGS } from '../../src/cli/runtime-flags.js';
import { startJanusCluster, type JanusInstance } from '../support/janus-fixture.js';
import { JanusTestClient } from '../support/janus-client.js';
import { startRedis, redisCommand, type RedisInstance } from '../support/redis-fixture.js';
import { startProxyProcess, type ProxyProcess } from '../support/proxy-process.js';
import { sharedStore } from '../support/shared-store-proxies.js';
import { echotestHandle } from '../support/cluster-helpers.js';
import { freePort, pollUntil } from '../support/processes.js';
import { TEST_ADMIN_TOKEN } from '../support/proxy-fixture.js';
import { AdminClient } from '../support/admin-client.js';

const PREFIX = 'workers-test:';

describe('janus-proxy --workers 2', { timeout: 90_000 }, () => {
  let redis: RedisInstance;
  let janus: JanusInstance[];
  let proxy: ProxyProcess;
  let admin: AdminClient;
  let adminPort: number;
  const clients: JanusTestClient[] = [];

  before(async () => {
    [redis, janus] = await Promise.all([startRedis(), startJanusCluster(1, { netns: false, plugins: ['echotest'], reclaimSessionTimeout: 10 })]);
    adminPort = await freePort();
    proxy = await startProxyProcess(janus, {
      store: sharedStore(redis, { key_prefix: PREFIX }),
      admin_api: { enabled: true, host: '127.0.0.1', port: adminPort, token: TEST_ADMIN_TOKEN },
    }, ['--workers', '2']);
    admin = new AdminClient(`http://127.0.0.1:${String(adminPort)}`, TEST_ADMIN_TOKEN);
  });
  after(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await proxy.stop();
    await Promise.all(janus.map((j) => j.stop()));
    await redis.stop();
  });

  const ownerOf = async (sessionId: number): Promise<string> => String(await redisCommand(redis.port, ['HGET', `${PREFIX}session:${String(sessionId)}`, 'owner']));

  it('spreads sessions over both workers, and a claim moves a session from one worker to the other', async () => {
    const owners = new Map<string, { sessionId: number; handleId: number }>();
    // The second worker may still be starting when the first answers: new connections reach it once it listens.
    await pollUntil('sessions on both workers', async () => {
      const client = await JanusTestClient.connect(proxy.url);
      clients.push(client);
      const setup = await echotestHandle(client);
      owners.set(await ownerOf(setup.sessionId), setup);
      return owners.size === 2 ? true : undefined;
    }, 20_000);

    const [[firstOwner, moving]] = [...owners.entries()] as [[string, { sessionId: number; handleId: number }]];
    let moved = false;
    for (let i = 0; i < 10 && !moved; i++) {
      const client = await JanusTestClient.connect(proxy.url);
      clients.push(client);
      assert.equal((await client.request({ janus: 'claim', session_id: moving.sessionId })).janus, 'success');
      if ((await ownerOf(moving.sessionId)) !== firstOwner) {
        moved = true;
        const { event } = await client.requestWithEvent({ janus: 'message', session_id: moving.sessionId, handle_id: moving.handleId, body: { bitrate: 64000 } });
        assert.equal((event.plugindata as { data: { result?: string } }).data.result, 'ok');
      }
    }
    assert.ok(moved, 'the session moved to the other worker');
  });

  it('GET /proxies lists both workers, each with its number, pid and session count', async () => {
    type Described = { id: string; worker?: number; pid: number; sessions: number; accepting_new_sessions: boolean };
    const described = await pollUntil('both workers described', async () => {
      const { proxies } = await admin.ok<{ proxies: Described[] }>('GET', '/proxies');
      // The first test left its sessions on the workers (one of them moved).
      return proxies.length === 2 && proxies.reduce((n, p) => n + p.sessions, 0) >= 2 ? proxies : undefined;
    }, 10_000);
    assert.deepEqual(described.map((p) => p.worker).sort(), [1, 2]);
    assert.equal(new Set(described.map((p) => p.pid)).size, 2, 'two processes');
    assert.ok(described.every((p) => p.accepting_new_sessions));
    // The primary was started with the shipped runtime flags; node:cluster passes them on to each worker.
    for (const { pid } of described) {
      const argv = readFileSync(`/proc/${String(pid)}/cmdline`, 'utf8').split('\0');
      for (const flag of PROXY_NODE_FLAGS) assert.ok(argv.includes(flag), `worker pid ${String(pid)} runs with ${flag}: ${argv.join(' ')}`);
    }
  });

  it('/metrics gives every worker\'s series, whichever worker the scrape reaches', async () => {
    // A connection of its own per scrape: node:cluster hands new connections to the workers in turn.
    const scrape = (): Promise<{ status: number; text: string }> => new Promise((resolve, reject) => {
      get({ host: '127.0.0.1', port: adminPort, path: '/metrics', agent: false, headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}` } }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => { text += chunk; });
        res.on('end', () => { resolve({ status: res.statusCode ?? 0, text }); });
      }).on('error', reject);
    });
    const sessionsOf = (text: string, worker: string): number | undefined => {
      const line = text.split('\n').find((l) => l.startsWith('janus_cloud_sessions{') && l.includes(`worker="${worker}"`));
      return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
    };
    for (let i = 0; i < 4; i++) {
      const { status, text } = await scrape();
      assert.equal(status, 200, `${text}\n${proxy.logTail()}`);
      const sessions = ['1', '2'].map((worker) => {
        assert.match(text, new RegExp(`^janus_cloud_proxy_info\\{proxy="[^"]+",worker="${worker}"\\} 1$`, 'm'), `scrape ${String(i)}: worker ${worker}'s info`);
        assert.match(text, new RegExp(`^janus_cloud_proxy_process_start_time_seconds\\{worker="${worker}"\\} \\d+$`, 'm'), `scrape ${String(i)}: worker ${worker}'s start time`);
        const count = sessionsOf(text, worker);
        assert.ok(count !== undefined, `scrape ${String(i)}: worker ${worker}'s sessions`);
        return count;
      });
      // The first test left its sessions on the workers (one of them moved).
      assert.ok(sessions.reduce((a, b) => a + b, 0) >= 2, `scrape ${String(i)}: sessions ${sessions.join(' + ')}`);
    }
  });
});
