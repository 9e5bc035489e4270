/** The admin API described as OpenAPI 3.1, served at /openapi.json. */
import { z } from 'zod';
import { serverReportSchema } from '../protocol/server-record.js';
import { PROXY_VERSION_STRING } from '../core/server-info.js';

const json = (description: string, schema: object = { type: 'object' }): object => ({ description, content: { 'application/json': { schema } } });
const error = { $ref: '#/components/schemas/Error' };
const errors = {
  400: json('Invalid input: `reason` names each bad field', error),
  401: json('No bearer token', error),
  403: json('Wrong token', error),
};
const nameParam = [{ name: 'name', in: 'path', required: true, schema: { type: 'string' } }];
const backend = { $ref: '#/components/schemas/Backend' };
const recordingQuery = [
  { name: 'room', in: 'query', schema: { type: 'string' } },
  { name: 'participant', in: 'query', schema: { type: 'string' } },
  { name: 'state', in: 'query', schema: { enum: ['recording', 'complete', 'processing', 'processed', 'failed', 'unsupported'] } },
  { name: 'since', in: 'query', description: 'only recordings written to since (ms since the epoch)', schema: { type: 'integer', minimum: 0 } },
];
const recordingFileParams = [
  { name: 'server', in: 'path', required: true, schema: { type: 'string' } },
  { name: 'id', in: 'path', required: true, schema: { type: 'string' } },
  { name: 'file', in: 'path', required: true, description: 'the .mjr, the janus-pp-rec output, its log, or the audio+video mux', schema: { enum: ['mjr', 'output', 'log', 'muxed'] } },
  { name: 'Range', in: 'header', schema: { type: 'string', example: 'bytes=0-1023' } },
];
const recording = {
  type: 'object', required: ['id', 'server', 'plugin', 'state', 'size', 'modified_ms'], properties: {
    id: { type: 'string' }, server: { type: 'string', description: 'the backend whose sentinel holds the file' },
    plugin: { enum: ['videoroom', 'audiobridge', 'recordplay', 'videocall', 'other'] }, room: { type: 'string' },
    participant: { type: 'string', description: 'VideoRoom/AudioBridge participant id, RecordPlay recording id, VideoCall user' },
    display: { type: 'string', description: 'VideoRoom/AudioBridge: the participant\'s display name, as its room named it while recording' },
    peer: { type: 'string', description: 'VideoCall: the other user of the call' },
    kind: { enum: ['audio', 'video', 'data'] }, codec: { type: 'string' }, started_ms: { type: 'number' }, duration_ms: { type: 'number' },
    size: { type: 'integer' }, modified_ms: { type: 'number' }, state: { type: 'string' },
    error: { type: 'string', description: 'why the conversion failed: janus-pp-rec\'s own reason' },
    output: { type: 'string' }, log: { type: 'string' }, muxed: { type: 'string' }, mux_error: { type: 'string' },
  },
};
const tokenParam = [{ name: 'token', in: 'path', required: true, schema: { type: 'string' } }];
const pluginsBody = { required: true, content: { 'application/json': { schema: { type: 'object', required: ['plugins'], properties: { plugins: { type: 'array', items: { type: 'string' }, minItems: 1 } } } } } };

function op(summary: string, responses: Record<string, object>, extra: Record<string, unknown> = {}, secured = true): object {
  return { summary, ...(secured ? {} : { security: [] }), ...extra, responses: { ...responses, ...(secured ? errors : {}) } };
}

export function openApiDocument(): object {
  const report = z.toJSONSchema(serverReportSchema, { io: 'input' });
  const reportBody = { required: true, content: { 'application/json': { schema: { $ref: '#/components/schemas/ServerReport' } } } };
  return {
    openapi: '3.1.0',
    info: { title: 'Janus Cloud proxy admin API', version: PROXY_VERSION_STRING },
    security: [{ bearer: [] }],
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
      schemas: {
        Session: { type: 'object', properties: {
          session_id: { type: 'integer' }, state: { type: 'string' },
          handles: { type: 'array', items: { type: 'object', properties: {
            handle_id: { type: 'integer' }, plugin: { type: 'string' }, opaque_id: { type: ['string', 'null'] }, backend: { type: ['string', 'null'] },
            backend_session_id: { type: ['integer', 'null'] }, backend_handle_id: { type: ['integer', 'null'] },
          } } },
        } },
        Error: { type: 'object', required: ['code', 'reason'], properties: { code: { type: 'integer' }, reason: { type: 'string' } } },
        ServerReport: report,
        Backend: { allOf: [report, { type: 'object', properties: {
          source: { enum: ['static', 'sentinel', 'rest'] }, drained: { type: 'boolean' }, created_at: { type: 'number' }, updated_at: { type: 'number' },
          effective_status: { type: 'string' }, expired: { type: 'boolean' }, connected: { type: 'boolean' }, breaker: { enum: ['closed', 'open', 'half_open'] },
          live_handles: { type: 'integer' }, load: { type: 'number' }, selectable: { type: 'boolean' }, unselectable_reason: { type: 'string' },
        } }] },
      },
    },
    paths: {
      '/info': { get: op('Janus-shaped server_info of the proxy', { 200: json('server_info') }) },
      '/ping': { get: op('Liveness of the API itself', { 200: json('"pong"', { type: 'string' }) }) },
      '/healthz': { get: op('Process health (no auth)', { 200: json('ok') }, {}, false) },
      '/drain': { post: op('Graceful stop: not ready and no new sessions (create answers 472) at once, client WebSockets closed after shutdown.grace_s so that they reconnect and claim elsewhere', { 200: json('draining', { type: 'object', properties: { status: { type: 'string' }, grace_s: { type: 'number' } } }), 404: json('this proxy cannot drain', error) }) },
      '/readyz': { get: op('Ready when at least one backend can take new sessions (no auth)', { 200: json('ready'), 503: json('not ready', error) }, {}, false) },
      '/backend_servers': {
        get: op('Every known backend, expired ones included, with the proxy\'s live view', { 200: json('backends', { type: 'array', items: backend }) }),
        post: op('Add or update a backend (absent fields keep their values)', { 200: json('the stored backend', backend) }, { requestBody: reportBody }),
      },
      '/backend_servers/{name}': {
        get: op('One backend', { 200: json('backend', backend), 404: json('unknown', error) }, { parameters: nameParam }),
        delete: op('Remove a backend now (its handles fail over)', { 200: json('removed'), 404: json('unknown', error) }, { parameters: nameParam }),
      },
      '/backend_servers/{name}/drain': { post: op('Stop placing new handles on a backend', { 200: json('backend', backend), 404: json('unknown', error) }, { parameters: nameParam }) },
      '/backend_servers/{name}/undrain': { post: op('Place on a drained backend again', { 200: json('backend', backend), 404: json('unknown', error) }, { parameters: nameParam }) },
      '/sentinel_callback': {
        post: op('A sentinel report (JSON, or the original janus-cloud form fields); sentinel or admin token, header or ?token=', { 200: json('the stored record') }, { requestBody: reportBody }),
      },
      '/placement/explain': {
        get: op('The latest placement decisions, each candidate with its score or the reason it was rejected', { 200: json('decisions') }, {
          parameters: [{ name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, default: 20 } }],
        }),
      },
      '/metrics': { get: op('Prometheus metrics (text exposition format)', { 200: { description: 'metrics', content: { 'text/plain': { schema: { type: 'string' } } } } }) },
      '/events': {
        get: op('The dashboard\'s live channel: Server-Sent Events, a cluster snapshot (backends, totals, rate samples, decisions, rooms) every second; token as ?token= for EventSource', {
          200: { description: 'event stream', content: { 'text/event-stream': { schema: { type: 'string' } } } },
        }),
      },
      '/sessions/{sessionId}': {
        get: op('A client session\'s handles, each with its plugin and the backend it landed on', { 200: json('session'), 404: json('unknown', error) }, {
          parameters: [{ name: 'sessionId', in: 'path', required: true, schema: { type: 'integer' } }],
        }),
      },
      '/recordings': {
        get: op('Recordings on every sentinel that reports a sentinel_url (recordings.sentinel_token must be set); a sentinel that fails is listed in errors', {
          200: json('recordings', { type: 'object', properties: {
            recordings: { type: 'array', items: recording },
            errors: { type: 'array', items: { type: 'object', properties: { server: { type: 'string' }, reason: { type: 'string' } } } },
          } }),
          503: json('recordings.sentinel_token is not configured', error),
        }, { parameters: recordingQuery }),
      },
      '/recordings/{server}/{id}/{file}': {
        get: op('Download a recording file, streamed from the sentinel that holds it (range requests supported)', {
          200: { description: 'the file', content: { 'application/octet-stream': { schema: { type: 'string', format: 'binary' } } } },
          206: { description: 'the requested range', content: { 'application/octet-stream': { schema: { type: 'string', format: 'binary' } } } },
          404: json('unknown server, recording or file', error), 416: json('range not satisfiable', error), 502: json('the sentinel did not answer', error),
        }, { parameters: recordingFileParams }),
      },
      '/rooms': {
        get: op('The rooms of the cluster. VideoRoom rooms from the shared room store: the Janus servers each spans, and every participant with its origin Janus, whether it publishes and where its stream copies are. AudioBridge and TextRoom rooms as every backend lists them (message_plugin list/listparticipants over the backends\' Admin APIs), each participant as its Janus describes it plus `backend`; a backend that could not be asked is in `errors`', {
          200: json('rooms', { type: 'object', properties: {
            rooms: { type: 'array', items: { type: 'object', properties: {
              plugin: { type: 'string' }, room: { type: ['integer', 'string'] }, description: { type: 'string' }, backends: { type: 'array', items: { type: 'string' } },
              owner: { type: 'string', description: 'VideoRoom, proxies sharing a store: the proxy that makes the room\'s layout changes' },
              participants: { type: 'array', items: { type: 'object', required: ['id', 'backend'], properties: {
                id: { type: ['integer', 'string', 'null'] }, display: { type: 'string' }, backend: { type: 'string' }, publishing: { type: 'boolean', description: 'VideoRoom' },
                streams: { type: 'integer', description: 'VideoRoom' }, copies_on: { type: 'array', items: { type: 'string' }, description: 'VideoRoom' },
                proxy: { type: 'string', description: 'VideoRoom, proxies sharing a store: the proxy the participant\'s client is connected to' },
              } } },
            } } },
            errors: { type: 'object', additionalProperties: { type: 'string' }, description: 'by `<backend>/<plugin>`: why that backend could not list its rooms' },
          } }),
          503: json('the store cannot be read', error),
        }, { parameters: [{ name: 'plugin', in: 'query', schema: { type: 'string' }, description: 'only this plugin\'s rooms' }] }),
      },
      '/proxies': {
        get: op('Every live proxy of the cluster (each worker of --workers N too), as it last described itself under its lease', {
          200: json('proxies', { type: 'object', properties: { proxies: { type: 'array', items: { type: 'object', properties: {
            id: { type: 'string' }, server_name: { type: 'string' }, worker: { type: 'integer' }, pid: { type: 'integer' }, host: { type: 'string' },
            started_at: { type: 'integer' }, sessions: { type: 'integer' }, handles: { type: 'integer' }, accepting_new_sessions: { type: 'boolean' },
            updated_at: { type: 'integer' },
          } } } } }),
          503: json('the store cannot be read', error),
        }),
      },
      '/sessions': {
        get: op('Every client session of this proxy, each handle with its plugin, backend and backend ids', { 200: json('sessions', { type: 'object', properties: { sessions: { type: 'array', items: { $ref: '#/components/schemas/Session' } } } }) }),
      },
      '/sessions/{sessionId}/handles/{handleId}/pcap': {
        post: op('Start or stop a pcap (or text2pcap) of a handle on the Janus it is on; the reply names that backend', {
          200: json('Janus\'s reply, with `backend`'), 404: json('unknown session or handle', error), 409: json('the handle is on no Janus', error), 502: json('the backend refused', error),
        }, {
          parameters: [{ name: 'sessionId', in: 'path', required: true, schema: { type: 'integer' } }, { name: 'handleId', in: 'path', required: true, schema: { type: 'integer' } }],
          requestBody: { required: true, content: { 'application/json': { schema: { type: 'object', required: ['action'], properties: {
            action: { enum: ['start', 'stop'] }, text: { type: 'boolean', default: false }, folder: { type: 'string' }, filename: { type: 'string' }, truncate: { type: 'integer' },
          } } } } },
        }),
      },
      '/tokens': {
        get: op('Stored tokens (general.token_auth without a secret) and the plugins each may attach to', { 200: json('tokens'), 409: json('stored tokens are off', error) }),
        post: op('Add a token (every plugin when `plugins` is left out), as the Janus Admin API\'s add_token', { 200: json('the token and its plugins'), 409: json('stored tokens are off', error) }, {
          requestBody: { required: true, content: { 'application/json': { schema: { type: 'object', required: ['token'], properties: { token: { type: 'string' }, plugins: { type: 'array', items: { type: 'string' } } } } } } },
        }),
      },
      '/tokens/{token}': { delete: op('Remove a token', { 200: json('removed'), 404: json('unknown', error), 409: json('stored tokens are off', error) }, { parameters: tokenParam }) },
      '/tokens/{token}/allow': { post: op('Allow plugins on a token', { 200: json('the token and its plugins'), 404: json('unknown', error) }, { parameters: tokenParam, requestBody: pluginsBody }) },
      '/tokens/{token}/disallow': { post: op('Disallow plugins on a token', { 200: json('the token and its plugins'), 404: json('unknown', error) }, { parameters: tokenParam, requestBody: pluginsBody }) },
      '/openapi.json': { get: op('This document (no auth)', { 200: json('OpenAPI') }, {}, false) },
    },
  };
}
