/**
 * The proxy's Janus Admin API: Janus 1.1's janus_process_incoming_admin_request, in its order
 * (transaction and janus, info/ping, admin_secret, root requests; then session, handle), with the
 * cluster behind it: sessions and handles are the clients', settings go to every Janus, handle
 * requests to the Janus the handle is on.
 */
import { JanusError, JanusErrorCode as C, toJanusError } from '../protocol/errors.js';
import { errorReply, isJsonInteger, successReply, type JsonObject, type OutgoingMessage } from '../protocol/messages.js';
import { sameText, type TokenAuth } from '../core/token-auth.js';
import { checkParams, type ParamKind } from './params.js';
import { TOKEN_VERBS, tokenRequest } from './token-requests.js';
import { handleRequest, localTarget, recordedSessionRequest, recordedTarget, sessionRequest, type AdminSessions } from './handle-requests.js';
import type { SessionStore } from '../store/session-store.js';
import type { BackendAdmin } from './backends.js';
import type { ClusterSessions } from './cluster-sessions.js';

export interface JanusAdminOptions {
  adminSecret: string | undefined;
  sessions: AdminSessions;
  /** With a shared store: every proxy's sessions, from their records (list_sessions, list_handles, handle_info cluster-wide). */
  records?: SessionStore | undefined;
  /** With a shared store: the other live proxies, asked about the sessions they hold. */
  cluster?: ClusterSessions | undefined;
  backends: BackendAdmin;
  tokenAuth: TokenAuth | undefined;
  /** The proxy's server_info for `transaction`. */
  info(transaction: string): OutgoingMessage;
  /** Package names of every plugin the proxy offers now. */
  plugins(): string[];
  status(): JsonObject;
  /** The proxy's own accept_new_sessions and session timeout. */
  configure(settings: { acceptNewSessions?: boolean; sessionTimeoutS?: number }): void;
}

/** Settings every Janus gets: parameters, and the key Janus answers with (taken from the request). */
const FAN_OUT: Record<string, { params: Record<string, ParamKind>; reply: string; from: string }> = {
  set_log_level: { params: { level: 'positive' }, reply: 'level', from: 'level' },
  set_locking_debug: { params: { debug: 'boolean' }, reply: 'locking_debug', from: 'debug' },
  set_refcount_debug: { params: { debug: 'boolean' }, reply: 'refcount_debug', from: 'debug' },
  set_log_timestamps: { params: { timestamps: 'boolean' }, reply: 'log_timestamps', from: 'timestamps' },
  set_log_colors: { params: { colors: 'boolean' }, reply: 'log_colors', from: 'colors' },
};
/** Requests to plugins, event handlers and loggers: to one named `backend`, or to all. */
const QUERIES: Record<string, Record<string, ParamKind>> = {
  message_plugin: { plugin: 'string', 'request?': 'object', 'backend?': 'string' },
  query_eventhandler: { handler: 'string', 'request?': 'object', 'backend?': 'string' },
  query_logger: { logger: 'string', 'request?': 'object', 'backend?': 'string' },
};
const LOG_MAX = 7;
/** Requests a silent owner's record can still answer (they change nothing). */
const READ_ONLY = new Set(['list_handles', 'handle_info']);

function idOf(value: unknown): number {
  return isJsonInteger(value) ? value : 0;
}

function strip(raw: JsonObject, keys: string[]): JsonObject {
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(raw)) if (!keys.includes(k)) out[k] = v;
  return out;
}

export class JanusAdminRequests {
  constructor(private readonly options: JanusAdminOptions) {}

  /** Answers one request; never throws. `trusted` (the REST admin API, which has its own auth): no admin_secret. */
  handle(raw: JsonObject, trusted = false): Promise<OutgoingMessage> {
    return this.process(raw, trusted, false);
  }

  /** Another proxy asks about a session of this proxy (the bus; it checked the admin_secret). */
  answerForwarded(raw: JsonObject): Promise<OutgoingMessage> {
    return this.process(raw, true, true);
  }

  /** The other live proxies, with a shared store. */
  get cluster(): ClusterSessions | undefined {
    return this.options.cluster;
  }

  close(): void {
    this.options.cluster?.close();
  }

  private async process(raw: JsonObject, trusted: boolean, forwarded: boolean): Promise<OutgoingMessage> {
    const sessionId = idOf(raw.session_id);
    try {
      checkParams(raw, { transaction: 'string', janus: 'string' });
    } catch (err) {
      const e = toJanusError(err);
      return errorReply(e.code, e.reason, sessionId);
    }
    const transaction = raw.transaction as string;
    try {
      const checked = trusted && this.options.adminSecret !== undefined ? { ...raw, admin_secret: this.options.adminSecret } : raw;
      return await this.route(checked, (raw.janus as string).toLowerCase(), sessionId, idOf(raw.handle_id), transaction, forwarded);
    } catch (err) {
      const e = toJanusError(err);
      return errorReply(e.code, e.reason, sessionId, transaction);
    }
  }

  private async route(raw: JsonObject, verb: string, sessionId: number, handleId: number, transaction: string, forwarded: boolean): Promise<OutgoingMessage> {
    if (sessionId === 0 && handleId === 0) {
      if (verb === 'info') return this.options.info(transaction);
      if (verb === 'ping') return { janus: 'pong', transaction };
      this.checkSecret(raw);
      return this.root(verb, raw, transaction);
    }
    if (sessionId < 1) throw new JanusError(C.SESSION_NOT_FOUND);
    this.checkSecret(raw);
    const session = this.options.sessions.get(sessionId);
    if (!session) return this.elsewhere(verb, raw, sessionId, handleId, transaction, forwarded);
    if (handleId === 0) return sessionRequest(verb, session, this.options.sessions, transaction);
    const handle = session.handles.get(handleId as never);
    if (!handle) throw new JanusError(C.HANDLE_NOT_FOUND, `No such handle ${handleId} in session ${sessionId}`);
    return handleRequest(verb, raw, localTarget(session, handle), this.options.backends, transaction);
  }

  /**
   * A session this proxy does not hold: asked of the live proxy that holds it (over the bus, so the
   * request acts on its live session as on one Janus), else answered from its record (its proxy is
   * gone: the session awaits a claim). A forwarded request is never forwarded again.
   */
  private async elsewhere(verb: string, raw: JsonObject, sessionId: number, handleId: number, transaction: string, forwarded: boolean): Promise<OutgoingMessage> {
    const records = this.options.records;
    const record = forwarded ? undefined : await records?.get(sessionId);
    if (!records || !record) throw new JanusError(C.SESSION_NOT_FOUND, `No such session ${sessionId}`);
    const cluster = this.options.cluster;
    if (cluster && record.owner !== records.proxyId && await records.isAlive(record.owner)) {
      // The owner trusts the asking proxy: the secret does not travel over the bus.
      const { admin_secret: _secret, ...question } = raw;
      const answer = await cluster.ask(record.owner, question);
      if (answer) return { ...answer, transaction };
      if (!READ_ONLY.has(verb)) throw new JanusError(C.UNKNOWN, `Proxy ${record.owner} holding session ${sessionId} did not answer`);
    }
    if (handleId === 0) return recordedSessionRequest(verb, record, transaction);
    return handleRequest(verb, raw, recordedTarget(record, handleId), this.options.backends, transaction);
  }

  /** Every session of the cluster: this proxy's, then those the records name for the other proxies (dead ones' too, while claimable). */
  private async allSessionIds(): Promise<number[]> {
    const local = this.options.sessions.ids();
    const records = this.options.records;
    if (!records) return local;
    const owners = await records.owners();
    const elsewhere = (await Promise.all(owners.map((owner) => records.sessionsOf(owner)))).flat();
    const seen = new Set(local);
    return [...local, ...elsewhere.filter((id) => !seen.has(id) && seen.add(id))];
  }

  private checkSecret(raw: JsonObject): void {
    const secret = this.options.adminSecret;
    if (secret !== undefined && !(typeof raw.admin_secret === 'string' && sameText(raw.admin_secret, secret))) throw new JanusError(C.UNAUTHORIZED);
  }

  private async root(verb: string, raw: JsonObject, transaction: string): Promise<OutgoingMessage> {
    if (TOKEN_VERBS.has(verb)) return tokenRequest(verb, raw, transaction, this.options.tokenAuth, new Set(this.options.plugins()));
    const fanOut = FAN_OUT[verb];
    if (fanOut) return this.everywhere(verb, raw, transaction, fanOut);
    const query = QUERIES[verb];
    if (query) return this.query(verb, raw, transaction, query);
    switch (verb) {
      case 'get_status':
        return successReply(undefined, transaction, { status: this.options.status() });
      case 'set_session_timeout':
        checkParams(raw, { timeout: 'positive' });
        this.options.configure({ sessionTimeoutS: raw.timeout as number });
        return successReply(undefined, transaction, { timeout: raw.timeout ?? null });
      case 'accept_new_sessions':
        checkParams(raw, { accept: 'boolean' });
        this.options.configure({ acceptNewSessions: raw.accept === true });
        return successReply(undefined, transaction, { accept: raw.accept ?? null });
      case 'list_sessions':
        return successReply(undefined, transaction, { sessions: await this.allSessionIds() });
      default:
        throw new JanusError(C.INVALID_REQUEST_PATH, `Unhandled request '${verb}' at this path`);
    }
  }

  private async everywhere(verb: string, raw: JsonObject, transaction: string, spec: (typeof FAN_OUT)[string]): Promise<OutgoingMessage> {
    checkParams(raw, spec.params);
    if (verb === 'set_log_level' && (raw.level as number) > LOG_MAX) {
      throw new JanusError(C.INVALID_ELEMENT_TYPE, `Invalid element type (level should be between 0 and ${LOG_MAX})`);
    }
    const msg = { janus: verb, [spec.from]: raw[spec.from] ?? null };
    const backends = await this.options.backends.everywhere(msg);
    return successReply(undefined, transaction, { [spec.reply]: raw[spec.from] ?? null, backends });
  }

  private async query(verb: string, raw: JsonObject, transaction: string, spec: Record<string, ParamKind>): Promise<OutgoingMessage> {
    checkParams(raw, spec);
    const msg = { ...strip(raw, ['transaction', 'admin_secret', 'backend', 'session_id', 'handle_id']), janus: verb };
    if (typeof raw.backend === 'string') {
      const name = raw.backend;
      if (!this.options.backends.names().includes(name)) throw new JanusError(C.INVALID_ELEMENT_TYPE, `No such backend '${name}'`);
      const { janus: _j, transaction: _t, ...rest } = await this.options.backends.request(name, msg);
      return successReply(undefined, transaction, { ...rest, backend: name });
    }
    return successReply(undefined, transaction, { backends: await this.options.backends.everywhere(msg) });
  }
}
