/**
 * Environment overrides for any config key: `<PREFIX>__<SECTION>__<KEY>=value`, e.g.
 * `JANUS_PROXY__GENERAL__API_SECRET=s3cret` or `JANUS_PROXY__WS_TRANSPORT__PORT=9000`. Values are
 * read as YAML scalars or flow collections, so numbers, booleans and lists keep their types.
 */
import { parse as parseYaml } from 'yaml';
import { isJsonObject, type JsonObject } from '../protocol/messages.js';

function parseValue(text: string): unknown {
  try {
    return parseYaml(text) as unknown;
  } catch {
    return text;
  }
}

/** Returns a copy of `config` with the overrides applied, and the keys they set (for logging). */
export function applyEnvOverrides(config: unknown, prefix: string, env: NodeJS.ProcessEnv): { config: JsonObject; applied: string[] } {
  const out: JsonObject = isJsonObject(config) ? structuredClone(config) : {};
  const applied: string[] = [];
  const lead = `${prefix}__`;
  for (const [name, value] of Object.entries(env)) {
    if (!name.startsWith(lead) || value === undefined) continue;
    const path = name.slice(lead.length).toLowerCase().split('__').filter(Boolean);
    if (path.length === 0) continue;
    let node = out;
    for (const key of path.slice(0, -1)) {
      const next = node[key];
      node = isJsonObject(next) ? next : (node[key] = {});
    }
    node[path[path.length - 1] as string] = parseValue(value);
    applied.push(path.join('.'));
  }
  return { config: out, applied };
}
