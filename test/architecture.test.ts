import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The layout design.md draws, held by a test (kysely's scripts/check-exports.cjs is the model):
 * a folder of src/ is used from outside only through its index.ts, and no module imports itself
 * back through others. A shared concept two stages need gets a folder of its own instead.
 */
const srcDir = resolve(import.meta.dirname, '..', 'src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    return entry.isDirectory() ? sourceFiles(path) : entry.name.endsWith('.ts') ? [path] : [];
  });
}

/** The relative imports and re-exports of a module, type-only ones included (static ones: Tandem has no dynamic relative import). */
function relativeImports(source: string): string[] {
  const pattern = /^(?:import|export)\s+(?:type\s+)?(?:[^'";]*?\s+from\s+)?'(\.[^']+)'/gm;
  return [...source.matchAll(pattern)].map((match) => match[1]!);
}

const files = sourceFiles(srcDir);
const fileSet = new Set(files);
const graph = new Map(
  files.map((file) => [
    file,
    relativeImports(readFileSync(file, 'utf8')).map((specifier) => ({ specifier, target: resolve(dirname(file), specifier).replace(/\.js$/, '.ts') })),
  ]),
);
const folderOf = (file: string) => relative(srcDir, dirname(file));

describe('src/ layout', () => {
  it('reads every module and what it imports', () => {
    expect(files.length).toBeGreaterThan(100);
    for (const [file, imports] of graph) for (const i of imports) expect(fileSet.has(i.target), `${relative(srcDir, file)} imports ${i.specifier}, which is not a module`).toBe(true);
  });

  it("a folder is used from outside only through its index.ts, and from inside never through it", () => {
    const reachingIn: string[] = [];
    for (const [file, imports] of graph) {
      for (const i of imports) {
        const folder = folderOf(i.target);
        const intoAnotherFolder = folder !== '' && folder !== folderOf(file);
        if (intoAnotherFolder && !i.target.endsWith('/index.ts')) reachingIn.push(`${relative(srcDir, file)} -> ${relative(srcDir, i.target)}`);
        // A folder's own files name each other: through its index they would import themselves back.
        const ownIndex = folder !== '' && folder === folderOf(file) && i.target.endsWith('/index.ts') && !file.endsWith('/index.ts');
        if (ownIndex) reachingIn.push(`${relative(srcDir, file)} -> its own ${relative(srcDir, i.target)}`);
      }
    }
    expect(reachingIn).toEqual([]);
  });

  it('has no import cycle among modules, type-only imports included', () => {
    const cycles: string[] = [];
    const state = new Map<string, 'open' | 'done'>();
    const path: string[] = [];
    const visit = (file: string) => {
      state.set(file, 'open');
      path.push(file);
      for (const i of graph.get(file) ?? []) {
        if (state.get(i.target) === 'open') cycles.push([...path.slice(path.indexOf(i.target)), i.target].map((f) => relative(srcDir, f)).join(' -> '));
        else if (!state.has(i.target)) visit(i.target);
      }
      path.pop();
      state.set(file, 'done');
    };
    for (const file of files) if (!state.has(file)) visit(file);
    expect(cycles).toEqual([]);
  });
});

describe('relativeImports', () => {
  it('finds imports and re-exports, type-only ones too', () => {
    const source = [
      "import cassandra from 'cassandra-driver';",
      "import { a, type B } from '../cql/index.js';",
      "import type { C } from './c.js';",
      "export { d } from './d.js';",
      "export type { E } from '../e/index.js';",
      '// a comment naming "./f.js" is not an import',
    ].join('\n');
    expect(relativeImports(source)).toEqual(['../cql/index.js', './c.js', './d.js', '../e/index.js']);
  });
});
