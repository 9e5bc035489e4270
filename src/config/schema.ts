/**
 * The proxy's configuration: every key, its type and its default. Unknown keys are rejected with
 * their path, so a typo is a start-up error rather than a silently ignored setting.
 */
import { z } from 'zod';
import { SELECTION_ALGORITHMS } from '../cluster/selection.js';
import { ROUTING_RULES } from '../plugins/room-relay/rules.js';

const backendSchema = z.strictObject({
  name: z.string().regex(/^[\w.-]{1,64}$/, 'letters, digits, _ . - (1 to 64)'),
  url: z.string().regex(/^wss?:\/\/.+/, 'a ws:// or wss:// URL'),
  /** Where other Janus servers send VideoRoom cascade RTP; default: the host of `url`. */
  media_address: z.string().regex(/^[\w.:-]{1,255}$/, 'an IP address or host name').optional(),
  /** This backend's own api_secret / token_auth token, used on the proxy's connections to it. */
  api_secret: z.string().min(1).optional(),
  token: z.string().min(1).optional(),
  /** Its Janus Admin API (ws:// with janus-admin-protocol) and admin_secret, for the proxy's Janus Admin API. */
  admin_url: z.string().regex(/^wss?:\/\/.+/, 'a ws:// or wss:// URL').optional(),
  admin_secret: z.string().min(1).optional(),
});

/** Credentials of a backend with its own api_secret / token_auth (by backend name, for sentinel-reported backends too). */
/** One Redis node or sentinel. */
const redisNodeSchema = z.strictObject({ host: z.string().min(1), port: z.number().int().min(1).max(65_535) });

const credentialsSchema = z.strictObject({
  api_secret: z.string().min(1).optional(),
  token: z.string().min(1).optional(),
  admin_url: z.string().regex(/^wss?:\/\/.+/, 'a ws:// or wss:// URL').optional(),
  admin_secret: z.string().min(1).optional(),
});

const localityRuleSchema = z.strictObject({
  cidr: z.string().regex(/^[\d.:a-fA-F]+\/\d{1,3}$/, 'an address/prefix such as 10.0.0.0/8'),
  location: z.string().max(64).optional(),
  isp: z.string().max(64).optional(),
  region: z.string().max(64).optional(),
});

export const proxyConfigSchema = z.strictObject({
  general: z
    .strictObject({
      server_name: z.string().default('janus-cloud-proxy'),
      session_timeout: z.number().int().min(0).max(86_400).default(60),
      /** Default: 0 (as Janus) with the memory store, 30 s with Redis so another proxy can take a session over. */
      reclaim_session_timeout: z.number().int().min(0).max(86_400).optional(),
      api_secret: z.string().min(1).optional(),
      // Janus's token authentication, named as in janus.jcfg: stored tokens, or signed ones with the secret.
      token_auth: z.boolean().default(false),
      token_auth_secret: z.string().min(1).optional(),
      /** The Janus Admin API's admin_secret (janus_admin), as in janus.jcfg. */
      admin_secret: z.string().min(1).optional(),
    })
    .prefault({}),
  log: z
    .strictObject({
      level: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
    })
    .prefault({}),
  ws_transport: z
    .strictObject({
      enabled: z.boolean().default(true),
      host: z.string().default('0.0.0.0'),
      port: z.number().int().min(0).max(65_535).default(8288),
      json: z.enum(['indented', 'plain', 'compact']).default('compact'),
      max_message_bytes: z.number().int().min(1024).default(1_048_576),
      max_buffered_bytes: z.number().int().min(65_536).default(16_777_216),
      ping_interval_ms: z.number().int().min(0).default(30_000),
      tls: z.strictObject({ cert_pem: z.string(), cert_key: z.string() }).optional(),
      trust_forwarded_for: z.boolean().default(false),
    })
    .prefault({}),
  // The Janus REST API with long polls (src/transport/http).
  http_transport: z
    .strictObject({
      enabled: z.boolean().default(true),
      host: z.string().default('0.0.0.0'),
      port: z.number().int().min(0).max(65_535).default(8088),
      base_path: z.string().regex(/^\/[^?#\s]*$/, 'a path starting with /, e.g. /janus').default('/janus'),
      allow_origin: z.string().min(1).optional(),
      json: z.enum(['indented', 'plain', 'compact']).default('compact'),
      long_poll_timeout_ms: z.number().int().min(100).max(600_000).default(30_000),
      max_queued_events: z.number().int().min(1).default(1000),
      max_body_bytes: z.number().int().min(1024).default(1_048_576),
      trust_forwarded_for: z.boolean().default(false),
    })
    .prefault({}),
  backends: z
    .strictObject({
      select: z.enum(SELECTION_ALGORITHMS).default('least_loaded'),
      connections_per_server: z.number().int().min(1).max(64).default(2),
      spare_sessions: z.number().int().min(0).max(100).default(2),
      request_timeout_ms: z.number().int().min(100).default(10_000),
      connect_timeout_ms: z.number().int().min(100).default(3_000),
      ping_interval_ms: z.number().int().min(0).default(5_000),
      reconnect_initial_delay_ms: z.number().int().min(10).default(250),
      reconnect_max_delay_ms: z.number().int().min(10).default(5_000),
      selector_module: z.string().min(1).optional(),
      breaker_failures: z.number().int().min(1).default(5),
      breaker_open_ms: z.number().int().min(100).default(5_000),
      remove_expired_after_s: z.number().int().min(0).default(60),
      /** Backend name → its own api_secret / token (over `janus_server` entries' and `general.api_secret`). */
      credentials: z.record(z.string(), credentialsSchema).default({}),
      locality: z
        .strictObject({
          headers: z.strictObject({ location: z.string().optional(), isp: z.string().optional(), region: z.string().optional() }).prefault({}),
          rules: z.array(localityRuleSchema).default([]),
        })
        .prefault({}),
    })
    .prefault({}),
  // Graceful stop (SIGTERM, POST /drain): not ready, no new sessions, then client sockets closed.
  shutdown: z
    .strictObject({
      /** Seconds between refusing new sessions and closing the clients' sockets (they reconnect and claim elsewhere). */
      grace_s: z.number().min(0).max(3600).default(5),
    })
    .prefault({}),
  janus_server: z.array(backendSchema).default([]),
  store: z
    .strictObject({
      type: z.enum(['memory', 'redis']).default('memory'),
      redis_url: z.string().regex(/^rediss?:\/\/.+/, 'a redis:// or rediss:// URL').default('redis://127.0.0.1:6379'),
      key_prefix: z.string().regex(/^[\w.:{}/-]{1,64}$/, '1 to 64 of letters, digits and _ . : { } / -').default('janus-cloud:'),
      /** Redis: how long a dead proxy's videocall/p2pcall users stay registered, at most (its lease TTL). */
      proxy_ttl_s: z.number().int().min(1).max(3600).default(15),
      /** Redis Sentinel instead of redis_url's host (redis_url then gives only password and db). */
      sentinel: z
        .strictObject({
          master_name: z.string().min(1),
          sentinels: z.array(redisNodeSchema).min(1, 'at least one sentinel'),
          /** The sentinels' own password, if they have one. */
          password: z.string().min(1).optional(),
        })
        .optional(),
      /** Redis Cluster seed nodes instead of redis_url's host (key_prefix must hold a {hash tag}). */
      cluster: z.strictObject({ nodes: z.array(redisNodeSchema).min(1, 'at least one node') }).optional(),
      /** Session records: replicas that must acknowledge a lifecycle write (Redis WAIT); 0 = none. */
      wait_replicas: z.number().int().min(0).max(16).default(0),
      wait_timeout_ms: z.number().int().min(1).max(10_000).default(100),
      /** A Redis command not answered in time fails (the request needing it gets a Janus error). */
      command_timeout_ms: z.number().int().min(100).max(60_000).default(5_000),
    })
    .superRefine((store, ctx) => {
      if (store.sentinel && store.cluster) ctx.addIssue({ code: 'custom', path: ['cluster'], message: 'set either sentinel or cluster, not both' });
      if (store.cluster && !/\{[^}]+\}/.test(store.key_prefix)) {
        ctx.addIssue({ code: 'custom', path: ['key_prefix'], message: 'Redis Cluster needs a hash tag in the prefix, e.g. "{janus-cloud}:"' });
      }
    })
    .prefault({}),
  admin_api: z
    .strictObject({
      enabled: z.boolean().default(true),
      host: z.string().default('127.0.0.1'),
      port: z.number().int().min(0).max(65_535).default(8100),
      token: z.string().min(8, 'at least 8 characters').optional(),
      sentinel_tokens: z.array(z.string().min(8, 'at least 8 characters')).default([]),
      cors_origins: z.array(z.string()).default([]),
      explain_history: z.number().int().min(1).max(10_000).default(100),
      metrics_public: z.boolean().default(false),
    })
    .prefault({}),
  // Recordings held by the sentinels (GET /recordings on the admin API).
  recordings: z
    .strictObject({
      /** The sentinels' admin_api.token, sent to list and download their recordings. */
      sentinel_token: z.string().min(8, 'at least 8 characters').optional(),
      request_timeout_ms: z.number().int().min(100).default(5_000),
    })
    .prefault({}),
  // The Janus Admin API (src/janus-admin): its own listener, never the public port.
  janus_admin: z
    .strictObject({
      enabled: z.boolean().default(false),
      host: z.string().default('127.0.0.1'),
      port: z.number().int().min(0).max(65_535).default(7088),
      base_path: z.string().regex(/^\/[^?#\s]*$/, 'a path starting with /, e.g. /admin').default('/admin'),
      /** How long a request to a backend's own Admin API may take. */
      backend_timeout_ms: z.number().int().min(100).default(5_000),
    })
    .prefault({}),
  // One event stream (src/events): backends' Janus HTTP event handlers post to the Janus Admin API
  // listener at `<ingest_path>/<backend name>`; events go to the webhooks with client ids.
  event_stream: z
    .strictObject({
      enabled: z.boolean().default(false),
      ingest_path: z.string().regex(/^\/[\w/-]*$/, 'a path starting with /, e.g. /events').default('/events'),
      webhooks: z.array(z.string().regex(/^https?:\/\/.+/, 'an http:// or https:// URL')).default([]),
      /** Janus's `events` mask: all, none, or e.g. "handles, webrtc". */
      events: z.string().default('all'),
      max_queue: z.number().int().min(1).default(10_000),
      batch_size: z.number().int().min(1).max(10_000).default(100),
      retry_initial_ms: z.number().int().min(10).default(250),
      retry_max_ms: z.number().int().min(10).default(10_000),
      max_attempts: z.number().int().min(1).default(5),
      timeout_ms: z.number().int().min(100).default(5_000),
    })
    .prefault({}),
  // Plugins served by the pass-through (no cluster-aware module): how their handles are placed.
  plugins: z
    .strictObject({
      /** Janus package name → `any` (placed at attach) or `room` (follows the rooms it names); merged over the defaults. */
      routing: z.record(z.string().regex(/^janus\.plugin\.\w+$/, 'a Janus plugin package name'), z.enum(ROUTING_RULES)).default({}),
      /** Janus package name → backend a `room` handle goes to when it names no room first (TextRoom's `setup`). */
      home_backend: z.record(z.string().regex(/^janus\.plugin\.\w+$/, 'a Janus plugin package name'), z.string().min(1)).default({}),
    })
    .prefault({}),
  videoroom: z
    .strictObject({
      /** Publishers one backend takes in a room before the room opens on another backend. */
      publishers_per_backend: z.number().int().min(1).max(100_000).default(100),
      /** Secret of every backend room (cluster-wide, shared with the sentinel's sweeper); generated when unset. */
      backend_room_secret: z.string().min(8, 'at least 8 characters').optional(),
      /** Prefix of every backend room's description, so sweepers know the room is ours. */
      room_marker: z.string().min(1).max(64).default('janus-cloud:'),
      /** The VideoRoom admin_key clients must give to create rooms (and to rtp_forward with lock_rtp_forward). */
      admin_key: z.string().min(1).optional(),
      lock_rtp_forward: z.boolean().default(false),
      /** Adds `local_host` (the Janus that sends the RTP) to `rtp_forward` replies; off, replies keep Janus's keys. */
      rtp_forward_local_host: z.boolean().default(false),
      /** Room and participant ids are strings, as with the VideoRoom's own `string_ids` (backends must match). */
      string_ids: z.boolean().default(false),
      /** Seconds a backend room without participants is kept before the proxy destroys it. */
      idle_backend_room_s: z.number().int().min(0).max(86_400).default(10),
    })
    .prefault({}),
});

export type ProxyConfig = z.infer<typeof proxyConfigSchema>;
export type ProxyConfigInput = z.input<typeof proxyConfigSchema>;
