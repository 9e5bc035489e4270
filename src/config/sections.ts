/** Helpers for building config objects key by key (flag, env and migration code). */
import { isJsonObject, type JsonObject } from '../protocol/messages.js';

/** The object under `key`, created (and attached) when missing. */
export function section(config: JsonObject, key: string): JsonObject {
  const existing = config[key];
  if (isJsonObject(existing)) return existing;
  const created: JsonObject = {};
  config[key] = created;
  return created;
}
