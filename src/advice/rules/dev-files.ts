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
interface Check {
  key: string;
  message: string;
  fix: string;
  test: (path: string, layer: number) => boolean;
  withPackages?: boolean;
}

export const devFiles: Rule = (facts) => {
  const fromCtx = new Map<number, boolean>();
  const copied = (layer: number) => {
    let c = fromCtx.get(layer);
    if (c === undefined) fromCtx.set(layer, (c = fromContext(facts.instruction(layer))));
    return c;
  };
  const checks: Check[] = [
    {
      key: 'vcs',
      message: 'version-control data (.git, .hg, .svn) is in the image',
      fix: dockerignoreHint(facts, '.git'),
      test: (p) => /\/\.(git|hg|svn)(\/|$)/.test(p),
    },
    {
      key: 'tests',
      message: 'test folders were copied from the build context',
      fix: dockerignoreHint(facts, '**/tests'),
      test: (p, layer) => copied(layer) && !p.includes('/node_modules/') && /\/(tests?|__tests__|spec)\//.test(p),
    },
    {
      key: 'bytecode',
      message: 'Python bytecode (__pycache__) was copied from the build context',
      fix: dockerignoreHint(facts, '**/__pycache__'),
      test: (p, layer) => copied(layer) && (p.includes('/__pycache__/') || p.endsWith('.pyc')),
    },
    {
      key: 'node-modules',
      message: 'node_modules was copied from the build context',
      fix: `${dockerignoreHint(facts, 'node_modules')}, and install dependencies in the image (\`npm ci --omit=dev\`)`,
      test: (p, layer) => copied(layer) && p.includes('/node_modules/'),
    },
    {
      key: 'node-dev-deps',
      message:
        'development dependencies (compilers, linters, test runners, type definitions) are installed in node_modules',
      fix: 'install with `npm ci --omit=dev` (or `NODE_ENV=production`) in the stage that ships, and build in another',
      test: (p, layer) => !copied(layer) && !p.startsWith('/usr/') && NODE_DEV.test(p),
      withPackages: true,
    },
  ];
  // One pass over the final files for all the checks (each makes every path), a file kept as its node by each
  // check it meets.
  const files = checks.map((): number[] => []);
  facts.final.forEachWithBytes((path, node, _, layer) => {
    for (let i = 0; i < checks.length; i++) if (checks[i]!.test(path, layer)) files[i]!.push(node);
  });
  const findings: Finding[] = [];
  checks.forEach((c, i) => {
    const s = facts.summarizeFinal(files[i]!);
    if (s.bytes < MIN_FINDING_BYTES) return;
    const named = c.withPackages ? namePackages(facts.owningPackages(files[i]!)) : '';
    findings.push({
      rule: 'dev-files',
      key: `dev-files:${c.key}`,
      layer: s.layer,
      instruction: facts.instruction(s.layer),
      bytes: s.bytes,
      estimate: false,
      message: named ? `${c.message}: ${named}` : c.message,
      fix: c.fix,
      paths: s.paths,
    });
  });
  return findings;
};
