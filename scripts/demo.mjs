// npm run demo: the main job on an embedded default that works offline here. Builds the single-stage and the
// multi-stage Dockerfile of each of the article's three applications (examples/), measures every image with the
// CLI, prints the reduction table in the article's form next to the article's own figures, then the full report
// of one pair as the PR comment would show it. Every image it builds is removed again, also on failure.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { markdownTable } from 'markdown-table';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const cli = join(root, 'dist/cli/index.js');
const run = (cmd, args, opts = {}) => execFileSync(cmd, args, { stdio: 'inherit', ...opts });

/** The article's applications and its measured results (single-stage → multi-stage). */
const APPS = [
  { dir: 'python-api', name: 'Python web API', article: ['1.2 GB', '180 MB', '85%'] },
  { dir: 'node-service', name: 'Node.js Express service', article: ['950 MB', '150 MB', '84%'] },
  { dir: 'go-service', name: 'Go microservice', article: ['800 MB', '15 MB', '98%'] },
];
const REPORTED = 'go-service';

const tag = (app, kind) => `dsg-demo-${app.dir}:${kind}`;
const mb = (bytes) => (bytes >= 1e9 ? `${(bytes / 1e9).toFixed(2)} GB` : `${(bytes / 1e6).toFixed(1)} MB`);

function measure(ref) {
  const json = execFileSync(
    'node',
    [cli, 'measure', ref, '--no-files', '--no-compressed-estimate', '--format', 'json'],
    { encoding: 'utf8' },
  );
  return JSON.parse(json);
}

const built = [];
try {
  for (const app of APPS) {
    for (const kind of ['single', 'multi']) {
      const dir = join(root, 'examples', app.dir);
      console.error(`building examples/${app.dir}/Dockerfile.${kind}…`);
      run(
        'docker',
        [
          'buildx',
          'build',
          '--progress=quiet',
          '--load',
          '-t',
          tag(app, kind),
          '-f',
          join(dir, `Dockerfile.${kind}`),
          dir,
        ],
        {
          stdio: ['ignore', 'ignore', 'inherit'],
        },
      );
      built.push(tag(app, kind));
    }
  }

  const rows = APPS.map((app) => {
    const single = measure(tag(app, 'single'));
    const multi = measure(tag(app, 'multi'));
    const reduction = 1 - multi.uncompressedBytes / single.uncompressedBytes;
    return [
      app.name,
      mb(single.uncompressedBytes),
      mb(multi.uncompressedBytes),
      `${(reduction * 100).toFixed(1)}%`,
      `${app.article[0]} → ${app.article[1]} (${app.article[2]})`,
    ];
  });
  console.log('\n## Single-stage vs multi-stage, measured here\n');
  console.log(
    markdownTable([['Application', 'Single-Stage', 'Multi-Stage', 'Reduction', 'In the article'], ...rows], {
      align: ['l', 'r', 'r', 'r', 'l'],
    }),
  );
  console.log(
    '\nSizes are uncompressed image sizes (what `docker images` shows). The bases are local stand-ins for the\n' +
      'official images, built from Debian bookworm packages (scripts/standins), and the applications use only their\n' +
      'standard libraries, since no package registry is reachable from containers here: the multi-stage images are\n' +
      "therefore smaller than the article's, which carry real dependencies.\n",
  );

  // For the demo's test: each pair's full comparison (packages, files), as `compare --format json` writes it.
  if (process.env.DSG_DEMO_REPORTS) {
    for (const a of APPS) {
      const json = execFileSync('node', [cli, 'compare', tag(a, 'single'), tag(a, 'multi'), '--format', 'json'], {
        encoding: 'utf8',
        maxBuffer: 1 << 28,
      });
      writeFileSync(join(process.env.DSG_DEMO_REPORTS, `${a.dir}.json`), json);
    }
  }

  const app = APPS.find((a) => a.dir === REPORTED);
  console.log(`## The full report for the ${app.name}, as the PR comment shows it\n`);
  run('node', [cli, 'compare', tag(app, 'single'), tag(app, 'multi'), '--format', 'markdown']);
} catch (err) {
  // The failing command printed its own error above; one line says which step it was.
  console.error(`demo failed: ${err.message.split('\n')[0]}`);
  process.exitCode = 1;
} finally {
  if (built.length > 0) run('docker', ['image', 'rm', ...built], { stdio: 'ignore' });
}
