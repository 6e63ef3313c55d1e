import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { RULE_INPUTS } from '../../src/compare/parse-rules.js';

const root = join(import.meta.dirname, '../..');
const readme = readFileSync(join(root, 'README.md'), 'utf8');
const action = parse(readFileSync(join(root, 'action.yml'), 'utf8')) as {
  inputs: Record<string, { default?: string }>;
  outputs: Record<string, unknown>;
};

function tableNames(heading: string): string[] {
  const section = readme.split(`### ${heading}\n`)[1]!.split('\n### ')[0]!;
  return [...section.matchAll(/^\| `([a-z-]+)`\s+\|/gm)].map((m) => m[1]!);
}

describe('README tables match action.yml', () => {
  it('inputs', () => expect(tableNames('Inputs')).toEqual(Object.keys(action.inputs)));
  it('outputs', () => expect(tableNames('Outputs')).toEqual(Object.keys(action.outputs)));
  it('every input read by the code is declared', () => {
    const src = readFileSync(join(root, 'src/action/inputs.ts'), 'utf8');
    const read = new Set([...src.matchAll(/(?:getInput|list|bool)\('([a-z-]+)'/g)].map((m) => m[1]!));
    for (const n of ['metric', ...Object.keys(RULE_INPUTS)]) read.add(n); // read through parseRules
    expect([...read].sort()).toEqual(Object.keys(action.inputs).sort());
  });
});
