/**
 * The Admin API's stored-token requests (add_token, allow_token, disallow_token, list_tokens,
 * remove_token), answered as Janus 1.1 answers them (janus_request_allow_token and friends).
 */
import { JanusError, JanusErrorCode as C } from '../protocol/errors.js';
import { successReply, type JsonObject, type OutgoingMessage } from '../protocol/messages.js';
import type { TokenAuth } from '../core/token-auth.js';
import type { TokenStore } from '../store/token-store.js';
import { checkParams } from './params.js';

export const TOKEN_VERBS = new Set(['add_token', 'allow_token', 'disallow_token', 'list_tokens', 'remove_token']);

function storedMode(auth: TokenAuth | undefined): TokenStore {
  if (auth?.mode !== 'stored') throw new JanusError(C.UNKNOWN, 'Stored-Token based authentication disabled');
  return auth.store;
}

function pluginsReply(store: TokenStore, token: string, transaction: string): OutgoingMessage {
  return successReply(undefined, transaction, { data: { plugins: [...(store.plugins(token) ?? [])] } });
}

/** The plugins a request names, Janus's way: `add` skips invalid ones, allow/disallow refuse them all. */
function namedPlugins(allowed: unknown[], known: ReadonlySet<string>, add: boolean): string[] {
  const valid = allowed.filter((p): p is string => typeof p === 'string' && known.has(p));
  if (!add && valid.length !== allowed.length) {
    throw new JanusError(C.INVALID_ELEMENT_TYPE, 'Invalid element type (some of the provided plugins are invalid)');
  }
  return valid;
}

async function allowToken(store: TokenStore, raw: JsonObject, transaction: string, known: ReadonlySet<string>, verb: string): Promise<OutgoingMessage> {
  const add = verb === 'add_token';
  checkParams(raw, { token: 'string', 'plugins?': 'array' });
  const allowed = Array.isArray(raw.plugins) ? raw.plugins : [];
  if (!add && allowed.length === 0) throw new JanusError(C.INVALID_ELEMENT_TYPE, 'Invalid element type (plugins should be a non-empty array)');
  const token = raw.token as string;
  if (!add && store.plugins(token) === undefined) throw new JanusError(C.TOKEN_NOT_FOUND, `Token ${token} not found`);
  if (add && allowed.length === 0) {
    // No limitation given: every plugin the cluster offers now, as Janus allows every loaded plugin.
    await store.add(token, [...known]);
    return pluginsReply(store, token, transaction);
  }
  if (add) await store.add(token, []);
  const plugins = namedPlugins(allowed, known, add);
  if (verb === 'disallow_token') await store.disallow(token, plugins);
  else await store.allow(token, plugins);
  return pluginsReply(store, token, transaction);
}

/** Answers one token request; `known` is every plugin the proxy offers (package names). */
export async function tokenRequest(
  verb: string, raw: JsonObject, transaction: string, auth: TokenAuth | undefined, known: ReadonlySet<string>,
): Promise<OutgoingMessage> {
  const store = storedMode(auth);
  switch (verb) {
    case 'list_tokens': {
      // Janus lists only tokens that may access at least one plugin.
      const tokens = store.list().filter((t) => t.plugins.length > 0).map((t) => ({ token: t.token, allowed_plugins: t.plugins }));
      return successReply(undefined, transaction, { data: { tokens } });
    }
    case 'remove_token': {
      checkParams(raw, { token: 'string' });
      if (!(await store.remove(raw.token as string))) throw new JanusError(C.UNKNOWN, 'Error removing token');
      return successReply(undefined, transaction);
    }
    default:
      return allowToken(store, raw, transaction, known, verb);
  }
}
