/**
 * One build per pull request (docs/action.md "One build per pull request"), measured side by side:
 *   - the action on a PR whose base commit has a stored measurement, on a cold docker-container builder, after the
 *     user's own build of the PR commit on it (as docker/build-push-action runs before it): the action's wall time /
 *     that build's, target ≤ 0.2; today's two-build flow (history: off) beside it;
 *   - that the action's PR build after the user's is all cache hits, and what it cost;
 *   - the stored measurement of the 1.1 GB bench image: its size in git, and reading it back per 10,000 files.
 * Run through dist/index.js as the runner runs it (no GitHub token: no comment is posted, nothing else differs).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { measureImage } from '../src/engine.js';
import { fingerprint } from '../src/history/fingerprint.js';
import {
  checkMeasurement,
  deriveMeasured,
  encodeMeasurement,
  type StoredMeasurement,
} from '../src/history/measurement.js';
import {
  listMeasurements,
  readMeasurementFiles,
  storeMeasurement,
  type MeasurementLocation,
} from '../src/history/measurement-store.js';
import { pullRequestPayload, pushPayload } from '../__tests__/helpers/payloads.js';
import { buildInputs } from '../__tests__/helpers/inputs.js';
import { actionDefaults } from '../__tests__/helpers/runner.js';

type Row = (name: string, value: string, target: string, ok: boolean) => void;

const root = join(import.meta.dirname, '..');
const BK = process.env.DSG_BUILDKIT ?? join(root, '../shared/tools/buildkit');

function git(dir: string, ...args: string[]): string {
  return execFileSync('git', ['-c', 'user.name=b', '-c', 'user.email=b@b', ...args], {
    cwd: dir,
    encoding: 'utf8',
  }).trim();
}

/** A new docker-container builder, as setup-buildx-action creates one per job: an empty cache. */
export function coldBuilder(name: string): void {
  spawnSync('docker', ['buildx', 'rm', '-f', name], { stdio: 'ignore' });
  execFileSync('docker', [
    'buildx',
    'create',
    '--name',
    name,
    '--driver',
    'docker-container',
    '--driver-opt',
    'network=host',
    '--buildkitd-config',
    join(BK, 'buildkitd.toml'),
    '--bootstrap',
  ]);
}

export function seconds(fn: () => void): number {
  const t = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - t) / 1e9;
}

/** Runs dist/index.js for one event; returns its log. */
export function action(
  tmp: string,
  repo: string,
  event: string,
  payload: object,
  inputs: Record<string, string>,
): string {
  const eventPath = join(tmp, `event-${event}.json`);
  writeFileSync(eventPath, JSON.stringify(payload));
  for (const f of ['out', 'summary']) writeFileSync(join(tmp, f), '');
  const env = {
    PATH: process.env.PATH!,
    HOME: process.env.HOME ?? '/root',
    GITHUB_ACTIONS: 'true',
    GITHUB_EVENT_NAME: event,
    GITHUB_EVENT_PATH: eventPath,
    GITHUB_OUTPUT: join(tmp, 'out'),
    GITHUB_STEP_SUMMARY: join(tmp, 'summary'),
    GITHUB_REPOSITORY: 'acme/app',
    GITHUB_WORKSPACE: repo,
    RUNNER_TEMP: join(tmp, 'runner-temp'),
    ...actionDefaults(),
    // No token: no comment, no label read (the runner's names keep the input's hyphen).
    'INPUT_GITHUB-TOKEN': '',
    ...Object.fromEntries(Object.entries(inputs).map(([k, v]) => [`INPUT_${k.toUpperCase()}`, v])),
  };
  mkdirSync(env.RUNNER_TEMP, { recursive: true });
  // Each line time-stamped as it comes (BENCH_LOG=1 prints them): where the action's time goes.
  const r = spawnSync(
    'bash',
    [
      '-c',
      `"$0" "$1" | while IFS= read -r l; do echo "$(date +%s.%N) $l"; done`,
      process.execPath,
      join(root, 'dist/index.js'),
    ],
    { cwd: repo, env, encoding: 'utf8' },
  );
  const log = r.stdout.replace(/^\d+\.\d+ /gm, '');
  if (r.status !== 0 || /::error::/.test(log)) throw new Error(`bench: the action failed:\n${log}`);
  if (process.env.BENCH_LOG) {
    const t0 = Number(r.stdout.slice(0, r.stdout.indexOf(' ')));
    for (const l of r.stdout.split('\n').filter(Boolean))
      console.log(
        `    +${(Number(l.slice(0, l.indexOf(' '))) - t0).toFixed(2)} s ${l.slice(l.indexOf(' ') + 1).slice(0, 120)}`,
      );
  }
  return log;
}

export function benchStoredBase(tmp: string, row: Row, rounds: number): void {
  const example = join(root, 'examples/hello-c');
  const repo = join(tmp, 'stored-repo');
  const origin = join(tmp, 'stored-origin.git');
  mkdirSync(repo);
  execFileSync('git', ['init', '-q', '--bare', '-b', 'main', origin]);
  git(repo, 'init', '-q', '-b', 'main');
  git(repo, 'remote', 'add', 'origin', origin);
  writeFileSync(join(repo, 'hello.c'), readFileSync(join(example, 'hello.c')));
  writeFileSync(join(repo, 'Dockerfile'), readFileSync(join(example, 'Dockerfile.single')));
  git(repo, 'add', '-A');
  git(repo, 'commit', '-qm', 'base');
  const base = git(repo, 'rev-parse', 'HEAD');
  git(repo, 'push', '-q', 'origin', 'main');
  // The push to main, in its own job on its own builder, stores the measurement.
  coldBuilder('dsg-bench-main');
  try {
    action(tmp, repo, 'push', pushPayload('0'.repeat(40), base), { builder: 'dsg-bench-main', comment: 'never' });
  } finally {
    spawnSync('docker', ['buildx', 'rm', '-f', 'dsg-bench-main'], { stdio: 'ignore' });
  }
  git(repo, 'checkout', '-q', '-b', 'pr');
  writeFileSync(join(repo, 'Dockerfile'), readFileSync(join(example, 'Dockerfile.multi')));
  git(repo, 'commit', '-qam', 'multi-stage');
  const head = git(repo, 'rev-parse', 'HEAD');
  const pr = pullRequestPayload(1, base, head);

  const ratios: Record<'stored' | 'twoBuilds', number[]> = { stored: [], twoBuilds: [] };
  let cacheLine = '';

  for (let i = 0; i < rounds; i++) {
    for (const flow of ['stored', 'twoBuilds'] as const) {
      const builder = `dsg-bench-pr-${flow}`;
      coldBuilder(builder);
      try {
        // The user's own build of the PR commit, as docker/build-push-action with load: true runs it.
        const user = seconds(() =>
          execFileSync(
            'docker',
            ['buildx', 'build', '--builder', builder, '--progress=quiet', '--load', '-t', 'dsg-bench-user:pr', repo],
            {
              stdio: 'ignore',
            },
          ),
        );
        let log = '';
        const own = seconds(() => {
          log = action(tmp, repo, 'pull_request', pr, {
            builder,
            comment: 'never',
            ...(flow === 'twoBuilds' ? { history: 'off' } : {}),
          });
        });
        if (flow === 'stored') {
          if (!log.includes('not built again')) throw new Error(`bench: the stored base was not used:\n${log}`);
          cacheLine = /^PR build: .*$/m.exec(log)?.[0] ?? '';
        }
        console.log(`  ${flow.padEnd(9)} user build ${user.toFixed(1)} s, the action after it ${own.toFixed(1)} s`);
        ratios[flow].push(own / user);
      } finally {
        spawnSync('docker', ['buildx', 'rm', '-f', builder], { stdio: 'ignore' });
        spawnSync('docker', ['image', 'rm', 'dsg-bench-user:pr'], { stdio: 'ignore' });
      }
    }
  }
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  console.log(`  the action's PR build after the user's: ${cacheLine}`);
  const [, cached, steps] = /(\d+) of (\d+) steps cached/.exec(cacheLine) ?? [];
  const prBuild = Number(cached) === Number(steps) && Number(steps) > 0 ? 1 : 0;
  row('PR build after the user build: all steps cached', prBuild ? 'yes' : 'no', 'yes', prBuild === 1);
  row(
    'action / user build, stored base, cold builder',
    mean(ratios.stored).toFixed(2),
    '≤ 0.20',
    mean(ratios.stored) <= 0.2,
  );
  row('  the same, two builds (history: off, today)', mean(ratios.twoBuilds).toFixed(2), '—', true);
}

/** The stored measurement of a large image: size in git, and the time to read it back from a remote. */
export async function benchStoredSize(tmp: string, image: string, row: Row): Promise<void> {
  const report = await measureImage(image, { files: true, compressedEstimate: false });
  const commit = 'e'.repeat(40);
  const m: StoredMeasurement = {
    image: 'bench',
    platform: report.platform,
    commit,
    date: new Date().toISOString(),
    inputs: fingerprint({
      image: 'bench',
      commit,
      build: buildInputs(),
      dockerfile: 'Dockerfile',
      dockerfileText: '',
      driver: 'docker',
      exports: false,
    }),
    report: report as StoredMeasurement['report'],
  };
  const text = encodeMeasurement(m);
  const entries = report.contents!.layers.reduce((s, l) => s + l.length, 0);
  const dir = join(tmp, 'stored-size');
  const origin = join(tmp, 'stored-size.git');
  mkdirSync(dir);
  execFileSync('git', ['init', '-q', '--bare', origin]);
  git(dir, 'init', '-q');
  git(dir, 'remote', 'add', 'origin', origin);
  const loc: MeasurementLocation = { root: dir, remote: 'origin', historyRef: 'h' };
  await storeMeasurement(loc, { image: 'bench', commit, time: 1, files: new Map([['p.json', text]]), keep: 10 });
  // What the remote keeps: the object as git stores it (deflated), after a gc packs it.
  execFileSync('git', ['--git-dir', origin, 'gc', '-q']);
  const packed = Number(
    execFileSync('bash', ['-c', `du -sb ${origin}/objects/pack | cut -f1`], { encoding: 'utf8' }).trim(),
  );
  // A fresh clone, as a PR's job has: list, fetch, read and check it.
  const reader = join(tmp, 'stored-reader');
  mkdirSync(reader);
  git(reader, 'init', '-q');
  git(reader, 'remote', 'add', 'origin', origin);
  const rloc = { ...loc, root: reader };
  const t = process.hrtime.bigint();
  const [ref] = await listMeasurements(rloc, 'bench');
  const files = await readMeasurementFiles(rloc, ref!);
  const checked = checkMeasurement(files.get('p.json')!, { image: 'bench', commit });
  const readSeconds = Number(process.hrtime.bigint() - t) / 1e9;
  // Beside it, what measuring the base from its entries costs (a two-build flow pays it in its file pass).
  const t2 = process.hrtime.bigint();
  const back = deriveMeasured(checked);
  const deriveSeconds = Number(process.hrtime.bigint() - t2) / 1e9;
  if (back.report.contents.layers.reduce((s, l) => s + l.length, 0) !== entries)
    throw new Error('bench: read back differs');
  console.log(
    `  stored measurement of ${image}: ${entries.toLocaleString('en')} entries, ${(text.length / 1e6).toFixed(1)} MB of JSON, ${(packed / 1e6).toFixed(2)} MB in git`,
  );
  const per10k = (readSeconds / entries) * 10_000;
  console.log(
    `  read back ${readSeconds.toFixed(2)} s; waste and packages computed again from the entries ${deriveSeconds.toFixed(2)} s`,
  );
  row(
    'stored measurement: read back (list, fetch, check) per 10,000 files (s)',
    per10k.toFixed(3),
    '≤ 0.1',
    per10k <= 0.1,
  );
}
