/** What the admin routes need from the running proxy. */
import type { preHandlerHookHandler } from 'fastify';
import type { Cluster } from '../cluster/cluster.js';
import type { OutgoingMessage } from '../protocol/messages.js';

export interface AdminContext {
  cluster: Cluster;
  info(): OutgoingMessage;
  now(): number;
  adminOnly: preHandlerHookHandler;
  sentinelOrAdmin: preHandlerHookHandler;
}
