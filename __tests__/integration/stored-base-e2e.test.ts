/**
 * One build per pull request, through dist/index.js as the runner runs it, against a real bare origin: a push to
 * main stores the image's full measurement under refs/<history-ref>/measurements/; a pull request whose base is
 * that commit takes it as its base and builds once (counted from the `docker buildx build` calls themselves), with
 * the same report as the two-build flow; anything off (other inputs, a hostile stored file) builds the base again.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLASSIC, requireDaemons } from '../helpers/docker.js';
import { FakeGitHub } from '../helpers/fake-github.js';
import { gitRepo } from '../helpers/git-repo.js';
import { pullRequestPayload, pushPayload } from '../helpers/payloads.js';
import { stepsIn } from '../helpers/runner.js';

const ready = requireDaemons(CLASSIC);
const tmp = mkdtempSync(join(tmpdir(), 'dsg-stored-e2e-'));
const repo = join(tmp, 'repo');
const origin = join(tmp, 'origin.git');
const api = new FakeGitHub();
const { git, commit } = gitRepo(repo);
const ZERO = '0'.repeat(40);
const PREFIX = 'refs/docker-size-guard-history/measurements/Dockerfile/';

// Every `docker buildx build` the action runs is logged before the real docker runs it.
const bin = join(tmp, 'bin');
const buildLog = join(tmp, 'builds.log');
const realDocker = execFileSync('sh', ['-c', 'command -v docker'], { encoding: 'utf8' }).trim();
const env = { PATH: `${bin}:${process.env.PATH}`, DSG_BUILD_LOG: buildLog };
const step = stepsIn({ api, tmp, workspace: repo, dockerHost: CLASSIC });
const builds = (): number => readFileSync(buildLog, 'utf8').split('\n').filter(Boolean).length;
const run = async (o: Parameters<typeof step>[0]) => {
  writeFileSync(buildLog, '');
  const r = await step({ ...o, env: { ...env, ...o.env } });
  return { ...r, builds: builds() };
};

/** Fixed contents: the same commit builds the same image again (the builder's cache keys on contents). */
const files = (mb: number) => ({
  Dockerfile: 'FROM busybox\nARG MODE=small\nCOPY data /data\nRUN cat /data/* > /all.bin && echo "$MODE" > /mode\n',
  'data/a.bin': 'a'.repeat(mb * 1_000_000),
  'data/b.txt': 'b\n'.repeat(5000),
});
const inputs = { 'build-args': 'MODE=small', comment: 'always' };
const refs = () =>
  execFileSync('git', ['--git-dir', origin, 'for-each-ref', '--format=%(refname) %(objectname)', PREFIX], {
    encoding: 'utf8',
  }).trim();
const report = (path: string) => JSON.parse(readFileSync(path, 'utf8'));

/** A report's comparison with what differs between any two runs by design left out (temporary paths, the trend). */
function comparable(r: { entries: { comparison: Record<string, unknown> }[] }) {
  return r.entries.map((e) => {
    const c = structuredClone(e.comparison) as {
      base: { reference: string };
      head: { reference: string };
    };
    c.base.reference = '';
    c.head.reference = '';
    return c;
  });
}

let main = '';

describe.skipIf(!ready)('one build per pull request: the base from the measurement main stored', () => {
  beforeAll(async () => {
    await api.start();
    mkdirSync(bin, { recursive: true });
    writeFileSync(
      join(bin, 'docker'),
      `#!/bin/sh\n[ "$1" = buildx ] && [ "$2" = build ] && echo "$*" >> "$DSG_BUILD_LOG"\nexec ${realDocker} "$@"\n`,
    );
    chmodSync(join(bin, 'docker'), 0o755);
    mkdirSync(repo, { recursive: true });
    execFileSync('git', ['init', '-q', '--bare', '-b', 'main', origin]);
    git('init', '-q', '-b', 'main');
    git('remote', 'add', 'origin', origin);
    main = commit(files(2), 'main');
    git('push', '-q', 'origin', 'main');
    // The first push of a repository: its `before` is all zeros.
    const r = await run({ eventName: 'push', payload: pushPayload(ZERO, main), inputs });
    expect(r.code, r.stdout).toBe(0);
    expect(r.stdout).toContain(`Stored measurements: Dockerfile at ${main.slice(0, 12)} pushed to ${PREFIX}`);
    git('checkout', '-q', '-b', 'feature');
    commit({ 'data/c.bin': 'c'.repeat(3_000_000) }, 'grow');
  }, 300_000);

  afterAll(async () => {
    await api.stop();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('a push to main stores its measurement: the layers the engine reports for that image', () => {
    const [ref] = refs().split('\n');
    expect(ref).toMatch(new RegExp(`^${PREFIX}\\d{10}-${main} [0-9a-f]{40}$`));
    const name = ref!.split(' ')[0]!;
    const stored = JSON.parse(
      execFileSync('git', ['--git-dir', origin, 'show', `${name}:linux%2Famd64.json`], {
        encoding: 'utf8',
        maxBuffer: 1 << 28,
      }),
    );
    expect(stored).toMatchObject({ format: 'docker-size-guard/measurement', v: 1, image: 'Dockerfile', commit: main });
    // Built again from the same commit (all cached), the engine's own diff IDs are the stored layers'.
    const tag = `dsg-stored-check:${Date.now()}`;
    const tree = join(tmp, 'main-tree');
    git('worktree', 'add', '-q', '--detach', tree, main);
    try {
      execFileSync('docker', ['buildx', 'build', '-q', '--load', '--build-arg', 'MODE=small', '-t', tag, tree], {
        env: { ...process.env, DOCKER_HOST: CLASSIC },
      });
      const layers = JSON.parse(
        execFileSync('docker', ['image', 'inspect', '--format', '{{json .RootFS.Layers}}', tag], {
          env: { ...process.env, DOCKER_HOST: CLASSIC },
          encoding: 'utf8',
        }),
      );
      expect(stored.report.layers.map((l: { diffId: string }) => l.diffId)).toEqual(layers);
      // The COPY layer's entries are the files the commit has.
      const copy = stored.layers[1];
      expect(copy.k.length).toBe(stored.report.layers[1].files);
    } finally {
      execFileSync('docker', ['image', 'rm', '-f', tag], { env: { ...process.env, DOCKER_HOST: CLASSIC } });
      git('worktree', 'remove', '--force', tree);
    }
  });

  it("a PR whose base has it builds once, and its report is the two-build flow's, field for field", async () => {
    const head = git('rev-parse', 'HEAD');
    const one = await run({ eventName: 'pull_request', payload: pullRequestPayload(31, main, head), inputs });
    expect(one.code, one.stdout).toBe(0);
    expect(one.builds, one.stdout).toBe(1);
    const a = report(one.outputs.report!);
    const body = api.comments.get(31)![0]!.body;
    expect(body).toContain(`Base: measured on \`main\` at \`${main.slice(0, 7)}\` when it was pushed`);
    const two = await run({
      eventName: 'pull_request',
      payload: pullRequestPayload(32, main, head),
      inputs: { ...inputs, history: 'off' },
    });
    expect(two.code, two.stdout).toBe(0);
    expect(two.builds).toBe(2);
    const b = report(two.outputs.report!);
    expect(a.entries[0].baseSource, one.stdout).toBe('stored');
    expect(b.entries[0].baseSource).toBe('built');
    expect(comparable(a)).toEqual(comparable(b));
    // The file-level diff names the file the PR added, from the stored base's entries.
    expect(a.entries[0].comparison.files.added.lines.map((l: { path: string }) => l.path)).toContain('/data/c.bin');
  }, 300_000);

  it('a build-arg the PR passes differently: the base is built, and the comment says why, naming no value', async () => {
    const head = git('rev-parse', 'HEAD');
    const r = await run({
      eventName: 'pull_request',
      payload: pullRequestPayload(33, main, head),
      inputs: { ...inputs, 'build-args': 'MODE=s3cr3t-value' },
    });
    expect(r.code, r.stdout).toBe(0);
    expect(r.builds).toBe(2);
    expect(report(r.outputs.report!).entries[0].baseOrigin).toEqual({
      from: 'built',
      commit: main,
      why: 'the base would be built from other inputs than main was measured with: the value of a build-arg or build-context',
    });
    const body = api.comments.get(33)![0]!.body;
    expect(body).toContain(`Base: built from \`${main.slice(0, 7)}\`: the base would be built from other inputs`);
    expect(body).not.toContain('s3cr3t-value');
  }, 300_000);

  it("a fork's read-only run uses the stored base and writes nothing", async () => {
    const before = refs();
    const payload = pullRequestPayload(34, main, git('rev-parse', 'HEAD')) as {
      pull_request: { head: { repo: { full_name: string } } };
    };
    payload.pull_request.head.repo.full_name = 'stranger/app';
    api.readOnly = true;
    try {
      const r = await run({ eventName: 'pull_request', payload, inputs });
      expect(r.code, r.stdout).toBe(0);
      expect(r.builds).toBe(1);
      expect(r.summary).toContain('when it was pushed');
    } finally {
      api.readOnly = false;
    }
    expect(refs()).toBe(before);
    expect(execFileSync('git', ['--git-dir', origin, 'for-each-ref'], { encoding: 'utf8' })).not.toMatch(/feature/);
  }, 300_000);

  it('a hostile stored file (corrupt, of another image, claiming another commit, numbers that do not add up, oversized) is refused: a warning, and the base is built', async () => {
    const [name, sha] = refs().split('\n')[0]!.split(' ') as [string, string];
    const good = execFileSync('git', ['--git-dir', origin, 'show', `${name}:linux%2Famd64.json`], {
      encoding: 'utf8',
      maxBuffer: 1 << 28,
    });
    type Stored = { image: string; commit: string; layers: { k: string; z: number[] }[] };
    const edit = (f: (m: Stored) => void) => {
      const m = JSON.parse(good) as Stored;
      f(m);
      return JSON.stringify(m);
    };
    const unusable = `::warning::the stored measurement ${name}:linux%2Famd64.json is unusable: `;
    const cases: [string, string, string][] = [
      ['corrupt', good.slice(0, 1000), `${unusable}not JSON`],
      ['another image', edit((m) => (m.image = 'other')), `${unusable}it is of another image ('other')`],
      [
        'another commit',
        edit((m) => (m.commit = 'f'.repeat(40))),
        `${unusable}it claims another commit (ffffffffffff)`,
      ],
      [
        'numbers',
        edit((m) => (m.layers[1]!.z[m.layers[1]!.k.indexOf('f')]! += 1_000_000)),
        `${unusable}layer 1: its entries do not add up`,
      ],
      [
        'oversized',
        ' '.repeat(64 * 1024 * 1024 + 1),
        `::warning::the stored measurement could not be read (${name}:linux%2Famd64.json is larger than 67108864 bytes; not read)`,
      ],
    ];
    const head = git('rev-parse', 'HEAD');
    try {
      for (const [i, [what, text, why]] of cases.entries()) {
        const blob = execFileSync('git', ['--git-dir', origin, 'hash-object', '-w', '--stdin'], {
          input: text,
          encoding: 'utf8',
          maxBuffer: 1 << 28,
        }).trim();
        const tree = execFileSync('git', ['--git-dir', origin, 'mktree'], {
          input: `100644 blob ${blob}\tlinux%2Famd64.json\n`,
          encoding: 'utf8',
        }).trim();
        const forged = execFileSync(
          'git',
          ['--git-dir', origin, '-c', 'user.name=x', '-c', 'user.email=x@x', 'commit-tree', tree, '-m', what],
          { encoding: 'utf8' },
        ).trim();
        execFileSync('git', ['--git-dir', origin, 'update-ref', name, forged]);
        const r = await run({ eventName: 'pull_request', payload: pullRequestPayload(40 + i, main, head), inputs });
        expect(r.code, `${what}: ${r.stdout}`).toBe(0);
        expect(r.builds, what).toBe(2);
        // The runner's command encoding writes % as %25.
        expect(r.stdout.replaceAll('%25', '%'), what).toContain(why);
        expect(report(r.outputs.report!).entries[0].baseSource, what).toBe('built');
      }
    } finally {
      execFileSync('git', ['--git-dir', origin, 'update-ref', name, sha]);
    }
  }, 600_000);
  it("a base commit that changed only other files: the earlier commit's measurement serves, and says so; a change to the image's files does not", async () => {
    const mono = { ...inputs, context: 'app', 'history-ref': 'mono' };
    git('checkout', '-q', 'main');
    const p1 = commit({ 'app/Dockerfile': files(1).Dockerfile, 'app/data/a.bin': 'm'.repeat(1_000_000) }, 'app');
    git('push', '-q', 'origin', 'main');
    const stored = await run({ eventName: 'push', payload: pushPayload(main, p1), inputs: mono });
    expect(stored.code, stored.stdout).toBe(0);
    // A push that changed only files outside app/: its own run (changed-only) would not build or store the image.
    const p2 = commit({ 'README.md': 'docs\n' }, 'docs only');
    git('checkout', '-q', '-b', 'mono-pr');
    const head = commit({ 'app/data/b.bin': 'n'.repeat(500_000) }, 'grow app');
    const r = await run({ eventName: 'pull_request', payload: pullRequestPayload(50, p2, head), inputs: mono });
    expect(r.code, r.stdout).toBe(0);
    expect(r.builds, r.stdout).toBe(1);
    const entry = report(r.outputs.report!).entries[0];
    expect(entry.baseOrigin).toMatchObject({ from: 'stored', commit: p1, unchangedTo: p2 });
    expect(api.comments.get(50)![0]!.body).toContain(
      `Base: measured on \`main\` at \`${p1.slice(0, 7)}\` when it was pushed`,
    );
    expect(api.comments.get(50)![0]!.body).toContain(`no file it is built from changed up to \`${p2.slice(0, 7)}\``);
    // The base side is the image p2 builds: the two-build flow measures the same.
    const two = await run({
      eventName: 'pull_request',
      payload: pullRequestPayload(51, p2, head),
      inputs: { ...mono, history: 'off' },
    });
    expect(two.builds).toBe(2);
    expect(comparable(report(two.outputs.report!))).toEqual(comparable({ entries: [entry] }));
    // A base commit that changed the image's own files has no measurement to stand in for it.
    git('checkout', '-q', 'main');
    const p3 = commit({ 'app/data/c.bin': 'o'.repeat(200_000) }, 'app changes');
    git('checkout', '-q', 'mono-pr');
    git('rebase', '-q', p3);
    const r3 = await run({
      eventName: 'pull_request',
      payload: pullRequestPayload(52, p3, git('rev-parse', 'HEAD')),
      inputs: mono,
    });
    expect(r3.builds, r3.stdout).toBe(2);
    expect(report(r3.outputs.report!).entries[0].baseOrigin.why).toBe(
      `no measurement of ${p3.slice(0, 7)} is stored (pushes to main store one)`,
    );
  }, 600_000);
});
