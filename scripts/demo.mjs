// npm run demo: the main job on an embedded default that works offline here. Builds the single-stage and the
// multi-stage Dockerfile of examples/hello-c with buildx, then compares them with the CLI as the PR comment would.
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const example = join(root, 'examples/hello-c');
const run = (cmd, args, opts = {}) => execFileSync(cmd, args, { stdio: 'inherit', ...opts });

for (const kind of ['single', 'multi']) {
  console.error(`building examples/hello-c/Dockerfile.${kind}…`);
  run('docker', [
    'buildx',
    'build',
    '--progress=quiet',
    '--load',
    '-t',
    `dsg-demo-hello:${kind}`,
    '-f',
    join(example, `Dockerfile.${kind}`),
    example,
  ]);
}
try {
  run('node', [
    join(root, 'dist/cli/index.js'),
    'compare',
    'dsg-demo-hello:single',
    'dsg-demo-hello:multi',
    '--max-increase',
    '10MB',
  ]);
  run('node', [join(root, 'dist/cli/index.js'), 'measure', 'dsg-demo-hello:multi']);
} finally {
  run('docker', ['image', 'rm', 'dsg-demo-hello:single', 'dsg-demo-hello:multi'], { stdio: 'ignore' });
}
