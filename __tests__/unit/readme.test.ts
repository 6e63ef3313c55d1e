import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { format } from 'prettier';
import { describe, expect, it } from 'vitest';
import { RULE_NAMES } from '../../src/compare/parse-rules.js';

const root = join(import.meta.dirname, '../..');
const readme = readFileSync(join(root, 'README.md'), 'utf8');
const prettierrc = JSON.parse(readFileSync(join(root, '.prettierrc.json'), 'utf8')) as Record<string, unknown>;
const action = parse(readFileSync(join(root, 'action.yml'), 'utf8')) as {
  inputs: Record<string, { default?: string }>;
  outputs: Record<string, unknown>;
};

function tableNames(heading: string): string[] {
  const section = readme.split(`### ${heading}\n`)[1]!.split('\n### ')[0]!;
  return [...section.matchAll(/^\| `([a-z-]+)`\s+\|/gm)].map((m) => m[1]!);
}

describe('the docs match action.yml', () => {
  it('docs/inputs.md is what scripts/inputs-doc.mjs generates from action.yml (prettier applied)', async () => {
    const { inputsDoc } = (await import('../../scripts/inputs-doc.mjs')) as { inputsDoc: (y: string) => string };
    const generated = await format(inputsDoc(readFileSync(join(root, 'action.yml'), 'utf8')), {
      parser: 'markdown',
      ...prettierrc,
    });
    expect(readFileSync(join(root, 'docs/inputs.md'), 'utf8')).toBe(generated);
  });
  it('the README front door stays short (reference goes to docs/)', () => {
    expect(Buffer.byteLength(readme)).toBeLessThan(17_000);
  });
  it('outputs', () => expect(tableNames('Outputs')).toEqual(Object.keys(action.outputs)));
  it('every input read by the code is declared', () => {
    const src = readFileSync(join(root, 'src/action/inputs.ts'), 'utf8');
    const read = new Set([...src.matchAll(/(?:getInput|list|bool|count)\('([a-z-]+)'/g)].map((m) => m[1]!));
    for (const n of RULE_NAMES) read.add(n); // read through parseRules
    expect([...read].sort()).toEqual(Object.keys(action.inputs).sort());
  });
});
