/** What the admin routes need from the running proxy. */
import type { preHandlerHookHandler } from 'fastify';
import type { Cluster } from '../cluster/cluster.js';
import type { OutgoingMessage } from '../protocol/messages.js';

export interface AdminContext {
  cluster: Cluster;
  info(): OutgoingMessage;
  /** The proxy's graceful stop, when it has one. */
  drain?: { readonly draining: boolean; readonly graceS: number; start(): Promise<void> } | undefined;
  now(): number;
  adminOnly: preHandlerHookHandler;
  sentinelOrAdmin: preHandlerHookHandler;
}
