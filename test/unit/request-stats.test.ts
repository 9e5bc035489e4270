import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AggregatorRegistry, Counter, Histogram, Registry } from 'prom-client';
import { RequestStats } from '../../src/metrics/request-stats.js';

const BOUNDS = [0.0001, 0.001, 0.01, 0.1, 1];
const ANSWERS: [verb: string, result: string, seconds: number][] = [
  ['message', 'ok', 0.0004], ['message', 'ok', 0.0001], ['message', '458', 0.02], ['attach', 'ok', 0.003],
  ['attach', 'ok', 2], ['message', 'ok', 0], ['keepalive', 'ok', 0.00005],
];

/** The same answers through prom-client's own Counter and Histogram: what the output must equal. */
async function oracle(): Promise<string> {
  return oracleRegistry().metrics();
}

function oracleRegistry(): Registry {
  const registry = new Registry();
  const counter = new Counter({ name: 'janus_cloud_requests_total', help: 'Janus API requests answered, by verb and result (ok or the Janus error code)', labelNames: ['verb', 'result'], registers: [registry] });
  const histogram = new Histogram({ name: 'janus_cloud_request_duration_seconds', help: 'Time from a request to its reply, by verb (includes the backend for relayed verbs)', labelNames: ['verb'], buckets: BOUNDS, registers: [registry] });
  for (const [verb, result, seconds] of ANSWERS) {
    counter.inc({ verb, result });
    histogram.observe({ verb }, seconds);
  }
  return registry;
}

/** JSON as sent between processes (undefined fields dropped), without prom-client's empty exemplars. */
const asSent = (value: unknown): unknown => JSON.parse(JSON.stringify(value, (key, v: unknown) => (key === 'exemplar' && v === null ? undefined : v)));

describe('RequestStats', () => {
  it('renders exactly what prom-client renders for the same observations', async () => {
    const registry = new Registry();
    const stats = new RequestStats(registry, BOUNDS);
    for (const [verb, result, seconds] of ANSWERS) stats.record(verb, result, seconds);
    assert.equal(await registry.metrics(), await oracle());
  });

  it('the counter is current whenever it is read, also between scrapes', async () => {
    const registry = new Registry();
    const stats = new RequestStats(registry, BOUNDS);
    stats.record('message', 'ok', 0.001);
    await registry.metrics();
    stats.record('message', 'ok', 0.001);
    stats.record('message', '458', 0.001);
    const values = (await stats.requests.get()).values.map((v) => [v.labels.verb, v.labels.result, v.value]);
    assert.deepEqual(values, [['message', 'ok', 2], ['message', '458', 1]]);
    assert.match(await registry.metrics(), /janus_cloud_request_duration_seconds_count\{verb="message"\} 3/);
  });

  it('gives the JSON form prom-client gives (what `janus-proxy --workers` aggregates), and aggregates per worker', async () => {
    const plain = new Registry();
    const stats = new RequestStats(plain, BOUNDS);
    for (const [verb, result, seconds] of ANSWERS) stats.record(verb, result, seconds);
    assert.deepEqual(asSent(await plain.getMetricsAsJSON()), asSent(await oracleRegistry().getMetricsAsJSON()));

    const registries = ['1', '2'].map((worker) => {
      const registry = new Registry();
      const workerStats = new RequestStats(registry, BOUNDS);
      for (const [verb, result, seconds] of ANSWERS) workerStats.record(verb, result, seconds);
      registry.setDefaultLabels({ worker });
      return registry;
    });
    const aggregated = AggregatorRegistry.aggregate(await Promise.all(registries.map((r) => r.getMetricsAsJSON())));
    const text = await aggregated.metrics();
    for (const worker of ['1', '2']) {
      assert.match(text, new RegExp(`^janus_cloud_request_duration_seconds_count\\{verb="message",worker="${worker}"\\} 4$`, 'm'));
      assert.match(text, new RegExp(`^janus_cloud_requests_total\\{verb="message",result="ok",worker="${worker}"\\} 3$`, 'm'));
    }
  });
});
