/**
 * A selection algorithm of the operator's own: a module (config `backends.selector_module`) whose
 * default export or `select` export has the CustomSelector signature. Loaded once at start-up; a
 * module that cannot be loaded or has no such function stops the proxy with a clear error.
 */
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';
import type { BackendSnapshot, SelectionContext, SelectionResult } from './selection.js';

export type CustomSelector = (backends: readonly BackendSnapshot[], ctx: SelectionContext) => SelectionResult;

export async function loadCustomSelector(modulePath: string): Promise<CustomSelector> {
  let module: { default?: unknown; select?: unknown };
  try {
    module = (await import(pathToFileURL(resolve(modulePath)).href)) as { default?: unknown; select?: unknown };
  } catch (err) {
    throw new Error(`cannot load backends.selector_module ${modulePath}: ${err instanceof Error ? err.message : String(err)}`);
  }
  const fn = typeof module.select === 'function' ? module.select : module.default;
  if (typeof fn !== 'function') throw new Error(`backends.selector_module ${modulePath} exports no select function`);
  return fn as CustomSelector;
}
