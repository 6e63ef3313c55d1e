// docs/inputs.md from action.yml: the inputs and outputs reference, generated so that it cannot drift
// (__tests__/unit/readme.test.ts fails when the file is not what this prints). `node scripts/inputs-doc.mjs > docs/inputs.md`.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { markdownTable } from 'markdown-table';
import { parse } from 'yaml';

export function inputsDoc(actionYml) {
  const action = parse(actionYml);
  const cell = (s) =>
    String(s ?? '')
      .replace(/\|/g, '\\|')
      .replace(/\n/g, ' ');
  const code = (s) => (s === undefined || s === '' ? '' : `\`${cell(s)}\``);
  return [
    '# Inputs and outputs',
    '',
    '<!-- Generated from action.yml by scripts/inputs-doc.mjs; edit action.yml, then regenerate. -->',
    '',
    '## Inputs',
    '',
    markdownTable([
      ['Input', 'Default', 'Meaning'],
      ...Object.entries(action.inputs).map(([name, i]) => [`\`${name}\``, code(i.default), cell(i.description)]),
    ]),
    '',
    '## Outputs',
    '',
    markdownTable([
      ['Output', 'Meaning'],
      ...Object.entries(action.outputs).map(([name, o]) => [`\`${name}\``, cell(o.description)]),
    ]),
    '',
  ].join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.stdout.write(inputsDoc(readFileSync(join(import.meta.dirname, '../action.yml'), 'utf8')));
}
