/**
 * The folders follow the data path (source → measure → compare → render → sinks), and a lower one never imports a
 * higher one: the pure core stays testable without the edges, and a change to a renderer cannot reach a parser.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = join(import.meta.dirname, '../../src');

/** Lowest first. Folders on one rank may not import each other either (they are separate concerns). */
const RANKS: string[][] = [
  ['model', 'errors.ts', 'exec.ts'],
  ['util'],
  ['git'],
  ['formats'],
  ['sources'],
  ['measure'],
  ['engine.ts'],
  ['advice'],
  ['compare'],
  ['report'],
  ['buildx', 'github'],
  ['history'],
  ['run'],
  ['action', 'cli'],
  ['index.ts'],
];

function rankOf(unit: string): number {
  const r = RANKS.findIndex((names) => names.includes(unit));
  if (r < 0) throw new Error(`src/${unit} has no rank in the layering test: give it one`);
  return r;
}

/** The folder (or top-level file) a path under src/ belongs to. */
const unitOf = (path: string) => relative(SRC, path).split('/')[0]!;

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

/** Every relative import of a file (static, type-only, side-effect and dynamic), resolved to the .ts file it names. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const forms =
    /^\s*(?:import|export)\b[^'"]*?from\s+'(\.{1,2}\/[^']+)'|^\s*import\s+'(\.{1,2}\/[^']+)'|\bimport\(\s*'(\.{1,2}\/[^']+)'/gm;
  return [...text.matchAll(forms)].map((m) => resolve(dirname(file), (m[1] ?? m[2] ?? m[3])!.replace(/\.js$/, '.ts')));
}

describe('layering', () => {
  const files = sources(SRC);

  it('reads the imports it checks (a parser that finds none would pass anything)', () => {
    expect(files.length).toBeGreaterThan(50);
    expect(importsOf(join(SRC, 'engine.ts')).map(unitOf)).toEqual(expect.arrayContaining(['sources', 'measure']));
  });

  it('no folder imports one on a higher rank, or another on its own rank', () => {
    const wrong: string[] = [];
    for (const file of files) {
      const from = unitOf(file);
      for (const target of importsOf(file)) {
        const to = unitOf(target);
        if (to === from) continue;
        if (rankOf(to) >= rankOf(from)) wrong.push(`${relative(SRC, file)} → ${relative(SRC, target)}`);
      }
    }
    expect(wrong).toEqual([]);
  });
});
