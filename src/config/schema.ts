/**
 * The proxy's configuration: every key, its type and its default. Unknown keys are rejected with
 * their path, so a typo is a start-up error rather than a silently ignored setting.
 */
import { z } from 'zod';
import { SELECTION_ALGORITHMS } from '../cluster/selection.js';

const backendSchema = z.strictObject({
  name: z.string().regex(/^[\w.-]{1,64}$/, 'letters, digits, _ . - (1 to 64)'),
  url: z.string().regex(/^wss?:\/\/.+/, 'a ws:// or wss:// URL'),
});

export const proxyConfigSchema = z.strictObject({
  general: z
    .strictObject({
      server_name: z.string().default('janus-cloud-proxy'),
      session_timeout: z.number().int().min(0).max(86_400).default(60),
      reclaim_session_timeout: z.number().int().min(0).max(86_400).default(0),
      api_secret: z.string().min(1).optional(),
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
      json: z.enum(['indented', 'plain', 'compact']).default('indented'),
      max_message_bytes: z.number().int().min(1024).default(1_048_576),
      ping_interval_ms: z.number().int().min(0).default(30_000),
      tls: z.strictObject({ cert_pem: z.string(), cert_key: z.string() }).optional(),
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
    })
    .prefault({}),
  janus_server: z.array(backendSchema).default([]),
});

export type ProxyConfig = z.infer<typeof proxyConfigSchema>;
export type ProxyConfigInput = z.input<typeof proxyConfigSchema>;
