// Imports in src/ point down (shared/docs/architecture.md: "A module imports only from layers below
// it"). Every relative import or export-from of every src/**/*.ts file is mapped to the layers of
// both ends; an import into a higher row fails, and so does one between two different folders of
// one row: folders share a row only while neither imports the other. Within one folder anything goes.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

/**
 * Bottom to top. An entry is a folder of src/ (`name/`) or a file directly in src/. The doc's order,
 * with the folders it does not name placed where their imports allow.
 */
const LAYERS: readonly (readonly string[])[] = [
  ['protocol/', 'logging.ts', 'signal.ts', 'janus/'],
  // Janus's recording file formats, read by the admin API and the sentinel.
  ['recordings/'],
  ['backend/'],
  ['store/'],
  ['cluster/'],
  ['plugins/'],
  // The proxy's event stream: core/ emits into it; it reads the sessions through a small interface of its own.
  ['events/'],
  // drain.ts: the proxy's graceful stop, imported by admin/ and proxy.ts.
  ['core/', 'config/', 'drain.ts'],
  // The proxy's Janus Admin API over the cluster: uses core/ and events/, served by admin/.
  ['janus-admin/'],
  // load/: the janus-load generator, a program of its own like the sentinel.
  ['transport/', 'admin/', 'metrics/', 'sentinel/', 'load/'],
  ['proxy.ts'],
  ['cli/'],
];

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '../../src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

/** `protocol/` for src/protocol/errors.ts, `proxy.ts` for src/proxy.ts. */
function unitOf(file: string): string {
  const parts = relative(SRC, file).split(sep);
  return parts.length === 1 ? (parts[0] ?? '') : `${parts[0] ?? ''}/`;
}

function layerOf(unit: string): number {
  return LAYERS.findIndex((row) => row.includes(unit));
}

/**
 * Relative specifiers a source text imports or re-exports: every import and export-from form (type-only,
 * `export * as ns`), `import('…')` calls and `import('…')` types, found by walking the syntax tree.
 */
function relativeSpecifiers(text: string): string[] {
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    let specifier: ts.Node | undefined;
    if (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) specifier = node.moduleSpecifier;
    else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) specifier = node.moduleReference.expression;
    else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) specifier = node.arguments[0];
    else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) specifier = node.argument.literal;
    if (specifier && ts.isStringLiteralLike(specifier) && specifier.text.startsWith('.')) found.push(specifier.text);
    ts.forEachChild(node, visit);
  };
  visit(ts.createSourceFile('file.ts', text, ts.ScriptTarget.Latest, true));
  return found;
}

function relativeImports(file: string): string[] {
  return relativeSpecifiers(readFileSync(file, 'utf8'));
}

/** The imports that run upward or sideways, as `from -> to` lines (paths from src/). */
function wrongWayImports(files: readonly string[]): string[] {
  const wrong: string[] = [];
  for (const file of files) {
    const from = unitOf(file);
    for (const specifier of relativeImports(file)) {
      const target = resolve(dirname(file), specifier).replace(/\.js$/, '.ts');
      if (relative(SRC, target).startsWith('..')) continue; // outside src/ (e.g. package.json)
      const to = unitOf(target);
      if (to === from) continue;
      const line = `${relative(SRC, file)} -> ${relative(SRC, target)}`;
      const [a, b] = [layerOf(from), layerOf(to)];
      if (a < 0 || b < 0) wrong.push(`${line} (no layer for ${a < 0 ? from : to})`);
      else if (b > a) wrong.push(`${line} (upward: ${from} is below ${to})`);
      else if (b === a) wrong.push(`${line} (sideways: ${from} and ${to} share a row)`);
    }
  }
  return wrong;
}

describe('layers', () => {
  const files = sourceFiles(SRC);

  it('places every file of src/ in a layer', () => {
    const unplaced = [...new Set(files.map(unitOf))].filter((unit) => layerOf(unit) < 0);
    assert.deepEqual(unplaced, [], `add these to LAYERS in ${relative(process.cwd(), fileURLToPath(import.meta.url))}`);
  });

  it('finds every form an import can take', () => {
    const text = [
      "import a from './a.js';", "import type { B } from './b.js';", "import { type C } from './c.js';", "import './d.js';",
      "export * from './e.js';", "export * as f from './f.js';", "export type * as G from './g.js';", "export { h } from './h.js';",
      "const i = await import('./i.js');", "type J = typeof import('./j.js');", "import k = require('./k.js');",
      "import l from 'node:fs';", "function m() { return import('./m.js'); }",
    ].join('\n');
    assert.deepEqual(relativeSpecifiers(text), ['./a.js', './b.js', './c.js', './d.js', './e.js', './f.js', './g.js', './h.js', './i.js', './j.js', './k.js', './m.js']);
  });

  it('names each folder once', () => {
    const all = LAYERS.flat();
    assert.deepEqual(all.filter((unit, i) => all.indexOf(unit) !== i), []);
  });

  it('has no import in src/ that runs upward or sideways', () => {
    assert.ok(files.length > 100, `found only ${String(files.length)} files under ${SRC}`);
    const wrong = wrongWayImports(files);
    assert.deepEqual(wrong, [], `imports against the layers:\n${wrong.join('\n')}`);
  });
});
