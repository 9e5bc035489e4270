/**
 * The REST side of the operator's Janus: stored tokens, client sessions with their handles and the
 * backends they are on, and a handle's pcap on its Janus. Each route runs the Janus Admin API request
 * of the same meaning (src/janus-admin), so both APIs answer alike; Janus error codes become HTTP
 * statuses with `{code, reason}` bodies.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { AdminContext } from '../context.js';
import { HttpError } from '../errors.js';
import { validate } from '../validate.js';
import { JanusErrorCode as C } from '../../protocol/errors.js';
import { isJsonObject, type JsonObject } from '../../protocol/messages.js';
import type { JanusAdminRequests } from '../../janus-admin/requests.js';
import type { AdminSessions } from '../../janus-admin/handle-requests.js';
import type { SessionStore } from '../../store/session-store.js';

export interface OperatorDeps {
  requests: JanusAdminRequests;
  sessions: AdminSessions;
  /** With a shared store: the other proxies' sessions, from their records. */
  records?: SessionStore | undefined;
}

const tokenBody = z.strictObject({ token: z.string().min(1), plugins: z.array(z.string()).optional() });
const pluginsBody = z.strictObject({ plugins: z.array(z.string()).min(1) });
const tokenParams = z.object({ token: z.string().min(1) });
const handleParams = z.object({ sessionId: z.coerce.number().int().positive(), handleId: z.coerce.number().int().positive() });
const pcapBody = z.strictObject({
  action: z.enum(['start', 'stop']),
  text: z.boolean().default(false),
  folder: z.string().optional(),
  filename: z.string().optional(),
  truncate: z.number().int().min(0).optional(),
});

/** Janus error codes as HTTP statuses. */
function statusOf(code: number, reason: string): number {
  if (code === C.TOKEN_NOT_FOUND || code === C.SESSION_NOT_FOUND || code === C.HANDLE_NOT_FOUND) return 404;
  if (code === C.MISSING_MANDATORY_ELEMENT || code === C.INVALID_ELEMENT_TYPE) return 400;
  if (reason.includes('authentication disabled')) return 409;
  if (code === C.PLUGIN_DETACH) return 409;
  return 502;
}

/** Runs one Janus Admin API request; its reply without janus/transaction, or an HttpError. */
async function run(deps: OperatorDeps, request: JsonObject): Promise<JsonObject> {
  const reply = await deps.requests.handle({ ...request, transaction: 'rest' }, true);
  if (reply.janus === 'error') {
    const error = isJsonObject(reply.error) ? reply.error : {};
    const code = typeof error.code === 'number' ? error.code : C.UNKNOWN;
    const reason = typeof error.reason === 'string' ? error.reason : 'Unknown error';
    throw new HttpError(statusOf(code, reason), reason);
  }
  const { janus: _j, transaction: _t, ...rest } = reply;
  return rest;
}

function sessionsView(sessions: AdminSessions): JsonObject[] {
  return sessions.ids().flatMap((id) => {
    const session = sessions.get(id);
    if (!session?.alive) return [];
    const handles = [...session.handles.values()].map((handle) => {
      const target = handle.pluginHandle?.backendHandle?.();
      return {
        handle_id: handle.id, plugin: handle.plugin, opaque_id: handle.opaqueId ?? null,
        backend: handle.pluginHandle?.backendName?.() ?? null, backend_session_id: target?.session.id ?? null, backend_handle_id: target?.id ?? null,
      };
    });
    return [{ session_id: session.id, state: session.state, handles }];
  });
}

/** The sessions other proxies hold (dead ones' too, while claimable), as their records describe them. */
async function recordedSessionsView(records: SessionStore, except: ReadonlySet<number>): Promise<JsonObject[]> {
  const ids = (await Promise.all((await records.owners()).map((owner) => records.sessionsOf(owner)))).flat();
  const found = await Promise.all(ids.filter((id) => !except.has(id)).map((id) => records.get(id)));
  return found.flatMap((r) => (!r || r.owner === records.proxyId ? [] : [{
    session_id: r.id, state: 'elsewhere', proxy: r.owner,
    handles: r.handles.map((h) => ({
      handle_id: h.id, plugin: h.plugin, opaque_id: h.opaque_id ?? null,
      backend: h.backend ?? null, backend_session_id: h.backend_session ?? null, backend_handle_id: h.backend_handle ?? null,
    })),
  }]));
}

export function operatorRoutes(app: FastifyInstance, ctx: AdminContext, deps: OperatorDeps): void {
  const opts = { preHandler: ctx.adminOnly };
  app.get('/tokens', opts, async () => ({ tokens: ((await run(deps, { janus: 'list_tokens' })).data as JsonObject).tokens }));
  app.post('/tokens', opts, async (request) => {
    const body = validate(tokenBody, request.body);
    const data = (await run(deps, { janus: 'add_token', token: body.token, ...(body.plugins ? { plugins: body.plugins } : {}) })).data as JsonObject;
    return { token: body.token, plugins: data.plugins };
  });
  for (const verb of ['allow', 'disallow'] as const) {
    app.post(`/tokens/:token/${verb}`, opts, async (request) => {
      const { token } = validate(tokenParams, request.params);
      const { plugins } = validate(pluginsBody, request.body);
      const data = (await run(deps, { janus: `${verb}_token`, token, plugins })).data as JsonObject;
      return { token, plugins: data.plugins };
    });
  }
  app.delete('/tokens/:token', opts, async (request) => {
    const { token } = validate(tokenParams, request.params);
    try {
      await run(deps, { janus: 'remove_token', token });
    } catch (err) {
      // Janus says only "Error removing token" for a token it does not have.
      if (err instanceof HttpError && err.status === 502) throw new HttpError(404, `Token ${token} not found`);
      throw err;
    }
    return { removed: token };
  });
  app.get('/sessions', opts, async () => {
    const local = sessionsView(deps.sessions);
    const records = deps.records;
    if (!records) return { sessions: local };
    const here = local.map((s) => ({ ...s, proxy: records.proxyId }));
    return { sessions: [...here, ...(await recordedSessionsView(records, new Set(deps.sessions.ids())))] };
  });
  app.post('/sessions/:sessionId/handles/:handleId/pcap', opts, async (request) => {
    const { sessionId, handleId } = validate(handleParams, request.params);
    const { action, text, ...params } = validate(pcapBody, request.body);
    const janus = `${action}_${text ? 'text2pcap' : 'pcap'}`;
    return run(deps, { janus, session_id: sessionId, handle_id: handleId, ...params });
  });
}
