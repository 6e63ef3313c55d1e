import type { Finding } from '../../model/finding.js';
import { MIN_FINDING_BYTES, namePackages, type ImageFacts, type Rule } from '../context.js';

/** Packages only a developer needs, found in an application's node_modules. */
const NODE_DEV =
  /\/node_modules\/(typescript|eslint|prettier|jest|vitest|mocha|webpack|rollup|esbuild|@babel|@types|ts-node|nodemon|@typescript-eslint)\//;

/** A layer that copies from the build context (COPY or ADD without --from). */
function fromContext(instruction: string | null): boolean {
  return (
    !!instruction &&
    /^(COPY|ADD)\b/.test(instruction) &&
    !/--from/.test(instruction) &&
    !/^COPY (\/[^ ]+ )+\/[^ ]+( # buildkit)?$/.test(instruction.replace(/ # buildkit$/, ''))
  );
}

function dockerignoreHint(facts: ImageFacts, pattern: string): string {
  const ignore = facts.input.dockerignore;
  if (ignore === undefined) return `add \`${pattern}\` to .dockerignore`;
  if (ignore === null) return `there is no .dockerignore: create one with \`${pattern}\``;
  return `the .dockerignore does not exclude it: add \`${pattern}\``;
}

/**
 * What only development needs: version-control data and test folders, bytecode and node_modules copied from a
 * developer's checkout, and dev dependencies installed for the runtime.
 */
export const devFiles: Rule = (facts) => {
  const findings: Finding[] = [];
  const add = (
    key: string,
    message: string,
    fix: string,
    test: (path: string, layer: number) => boolean,
    withPackages = false,
  ) => {
    const files: number[] = [];
    facts.final.forEachWithBytes((path, node, _, layer) => {
      if (test(path, layer)) files.push(node);
    });
    const s = facts.summarizeFinal(files);
    if (s.bytes < MIN_FINDING_BYTES) return;
    const named = withPackages ? namePackages(facts.owningPackages(files)) : '';
    findings.push({
      rule: 'dev-files',
      key: `dev-files:${key}`,
      layer: s.layer,
      instruction: facts.instruction(s.layer),
      bytes: s.bytes,
      estimate: false,
      message: named ? `${message}: ${named}` : message,
      fix,
      paths: s.paths,
    });
  };
  const fromCtx = new Map<number, boolean>();
  const copied = (layer: number) => {
    let c = fromCtx.get(layer);
    if (c === undefined) fromCtx.set(layer, (c = fromContext(facts.instruction(layer))));
    return c;
  };
  add('vcs', 'version-control data (.git, .hg, .svn) is in the image', dockerignoreHint(facts, '.git'), (p) =>
    /\/\.(git|hg|svn)(\/|$)/.test(p),
  );
  add(
    'tests',
    'test folders were copied from the build context',
    dockerignoreHint(facts, '**/tests'),
    (p, layer) => copied(layer) && !p.includes('/node_modules/') && /\/(tests?|__tests__|spec)\//.test(p),
  );
  add(
    'bytecode',
    'Python bytecode (__pycache__) was copied from the build context',
    dockerignoreHint(facts, '**/__pycache__'),
    (p, layer) => copied(layer) && (p.includes('/__pycache__/') || p.endsWith('.pyc')),
  );
  add(
    'node-modules',
    'node_modules was copied from the build context',
    `${dockerignoreHint(facts, 'node_modules')}, and install dependencies in the image (\`npm ci --omit=dev\`)`,
    (p, layer) => copied(layer) && p.includes('/node_modules/'),
  );
  add(
    'node-dev-deps',
    'development dependencies (compilers, linters, test runners, type definitions) are installed in node_modules',
    'install with `npm ci --omit=dev` (or `NODE_ENV=production`) in the stage that ships, and build in another',
    (p, layer) => !copied(layer) && !p.startsWith('/usr/') && NODE_DEV.test(p),
    true,
  );
  return findings;
};
