/** Loading the proxy config: file (YAML) → schema with defaults → frozen object. */
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { proxyConfigSchema, type ProxyConfig } from './schema.js';

export class ConfigError extends Error {
  override name = 'ConfigError';
}

export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

/** Validates a plain object; the error lists each bad key by its path. */
export function parseProxyConfig(input: unknown): ProxyConfig {
  const result = proxyConfigSchema.safeParse(input ?? {});
  if (!result.success) {
    const lines = result.error.issues.map((issue) => formatIssue(issue));
    throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`);
  }
  return deepFreeze(result.data);
}

export function formatIssue(issue: z.core.$ZodIssue): string {
  const path = issue.path.join('.') || '(root)';
  if (issue.code === 'unrecognized_keys') return `  ${path}: unknown key(s) ${issue.keys.join(', ')}`;
  return `  ${path}: ${issue.message}`;
}

export function readConfigFile(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
  }
  try {
    return parseYaml(text) as unknown;
  } catch (err) {
    throw new ConfigError(`${path} is not valid YAML: ${err instanceof Error ? err.message : String(err)}`);
  }
}
