/**
 * The proxy's Janus Admin API talking to the backends' own Admin APIs: one request on a short-lived
 * `janus-admin-protocol` WebSocket (admin requests are rare; no connection is kept), fan-out to every
 * backend with one result per backend, and handle requests run on the Janus a handle is on.
 */
import { JanusError, JanusErrorCode as C, isBackendFailure, toJanusError } from '../protocol/errors.js';
import type { JsonObject } from '../protocol/messages.js';
import { JanusWs } from '../backend/janus-ws.js';
import type { AdminEndpoint } from '../cluster/cluster.js';

export interface AdminBackends {
  /** Every backend the cluster knows, by name. */
  names(): string[];
  endpoint(name: string): AdminEndpoint | undefined;
}

export interface BackendAdminOptions {
  backends: AdminBackends;
  timeoutMs: number;
}

export class BackendAdmin {
  constructor(private readonly options: BackendAdminOptions) {}

  names(): string[] {
    return this.options.backends.names();
  }

  /** One Admin API request to the named backend; rejects with Janus's error, or 490 when unreachable. */
  async request(name: string, msg: JsonObject): Promise<JsonObject> {
    const endpoint = this.options.backends.endpoint(name);
    if (!endpoint) throw new JanusError(C.UNKNOWN, `No Admin API known for backend ${name}`);
    let ws: JanusWs;
    try {
      ws = await JanusWs.connect(endpoint.url, 'janus-admin-protocol', this.options.timeoutMs);
    } catch {
      throw new JanusError(C.UNKNOWN, `Admin API of backend ${name} unreachable`);
    }
    try {
      const secret = endpoint.secret === undefined ? {} : { admin_secret: endpoint.secret };
      return await ws.request({ ...msg, ...secret }, this.options.timeoutMs);
    } catch (err) {
      // Janus's own error as it is; no reply or the socket lost (also JanusErrors, 490) names the backend.
      if (err instanceof JanusError && !isBackendFailure(err)) throw err;
      throw new JanusError(C.UNKNOWN, `Admin API of backend ${name}: ${err instanceof Error ? err.message : String(err)}`);
    } finally {
      ws.close();
    }
  }

  /** The request on every backend: each one's reply without janus/transaction, or its error. */
  async everywhere(msg: JsonObject): Promise<Record<string, JsonObject>> {
    const names = this.names();
    const results = await Promise.allSettled(names.map((name) => this.request(name, msg)));
    const out: Record<string, JsonObject> = {};
    names.forEach((name, i) => {
      const result = results[i];
      if (result?.status === 'fulfilled') {
        const { janus: _j, transaction: _t, ...rest } = result.value;
        out[name] = rest;
      } else {
        const e = toJanusError(result?.reason);
        out[name] = { error: { code: e.code, reason: e.reason } };
      }
    });
    return out;
  }
}
