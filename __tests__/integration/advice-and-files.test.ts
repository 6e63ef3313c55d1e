import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withFindings } from '../../src/advice/advise.js';
import { gatherAdvice } from '../../src/run/gather-advice.js';
import { compare } from '../../src/compare/compare.js';
import { measureImage } from '../../src/engine.js';
import { NO_RULES } from '../../src/model/comparison.js';
import type { ImageReport } from '../../src/model/image-report.js';
import { randomBytes } from '../helpers/archives.js';
import {
  CLASSIC,
  buildx,
  context,
  daemonFor,
  docker,
  gnuTarListing,
  requireDaemons,
  tarMember,
} from '../helpers/docker.js';

const ready = requireDaemons(CLASSIC);
const TAG = `dsg-advice-${process.pid}`;
const tmp = mkdtempSync(join(tmpdir(), 'dsg-advice-'));

// Each problem the advice knows, made for real by BuildKit: a pip cache left behind, 2 MB written and deleted in
// the next layer, a "compiler" under /usr/lib/gcc, TypeScript installed for the runtime, a .git, tests, bytecode and
// node_modules copied from the context (no .dockerignore), and no USER.
const PROBLEMS = `FROM busybox
RUN mkdir -p /root/.cache/pip/http && head -c 2500000 /dev/urandom > /root/.cache/pip/http/wheel.bin
RUN head -c 2000000 /dev/urandom > /scratch.bin
RUN rm /scratch.bin
RUN mkdir -p /usr/lib/gcc/x86_64-linux-gnu/12 && head -c 3000000 /dev/urandom > /usr/lib/gcc/x86_64-linux-gnu/12/cc1
RUN mkdir -p /srv/node_modules/typescript/lib && head -c 1500000 /dev/urandom > /srv/node_modules/typescript/lib/tsc.js
COPY . /app
`;
// The clean multi-stage version: the work happens in a build stage, the image gets the result and a user.
const CLEAN = `FROM busybox AS build
RUN head -c 1500000 /dev/urandom > /result.bin
FROM busybox
COPY --from=build /result.bin /app/result.bin
USER nobody
`;

const ctx = context({
  'Dockerfile.problems': PROBLEMS,
  'Dockerfile.clean': CLEAN,
  '.git/objects/pack/pack-1.pack': randomBytes(1_200_000, 7),
  'tests/fixtures/big.bin': randomBytes(1_100_000, 8),
  'pkg/__pycache__/mod.cpython-311.pyc': randomBytes(1_300_000, 9),
  'node_modules/left-pad/index.js': randomBytes(1_400_000, 10),
  'main.sh': 'echo hi\n',
});
const reports: Record<string, ImageReport> = {};

async function measured(kind: string): Promise<ImageReport> {
  const r = await measureImage(`docker-daemon:${TAG}:${kind}`, {
    files: true,
    compressedEstimate: false,
    daemon: daemonFor(CLASSIC),
  });
  return withFindings(
    r,
    await gatherAdvice({
      dockerfilePath: join(ctx.dir, `Dockerfile.${kind}`),
      contextDir: ctx.dir,
      daemon: daemonFor(CLASSIC),
    }),
  );
}

/** The final filesystem as `docker export` writes it, read by GNU tar: regular files and their sizes. */
function exported(kind: string, ref = `${TAG}:${kind}`): Map<string, number> {
  const id = docker(CLASSIC, ['create', ref, 'true']).trim();
  try {
    const tar = join(tmp, `${kind}.tar`);
    docker(CLASSIC, ['export', '-o', tar, id]);
    return new Map(
      gnuTarListing(tar)
        .filter((e) => e.type === '-')
        .map((e) => ['/' + e.name.replace(/^\.?\//, ''), e.size]),
    );
  } finally {
    docker(CLASSIC, ['rm', id]);
  }
}

describe.skipIf(!ready)('advice and the file-level diff on images built by the real engine', () => {
  beforeAll(async () => {
    for (const kind of ['problems', 'clean']) {
      buildx(CLASSIC, ctx.dir, ['--load', '-t', `${TAG}:${kind}`, '-f', join(ctx.dir, `Dockerfile.${kind}`)]);
      reports[kind] = await measured(kind);
    }
  }, 300_000);

  afterAll(() => {
    for (const kind of ['problems', 'clean'])
      execFileSync('docker', ['-H', CLASSIC, 'image', 'rm', '-f', `${TAG}:${kind}`], { stdio: 'ignore' });
    ctx.cleanup();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('finds every planted problem, with the bytes GNU tar reads in the layers', () => {
    const f = reports.problems!.findings!;
    const by = (rule: string) => f.filter((x) => x.rule === rule);
    const final = exported('problems');
    expect(by('package-cache').map((x) => x.bytes)).toEqual([final.get('/root/.cache/pip/http/wheel.bin')]);
    expect(by('deleted-later').map((x) => x.bytes)).toEqual([2_000_000]);
    expect(by('toolchain').map((x) => x.bytes)).toEqual([final.get('/usr/lib/gcc/x86_64-linux-gnu/12/cc1')]);
    // Each kind of development-only file the context held, with the bytes docker export shows for it.
    const dev = Object.fromEntries(by('dev-files').map((x) => [x.key, x]));
    expect(Object.keys(dev).sort()).toEqual([
      'dev-files:bytecode',
      'dev-files:node-dev-deps',
      'dev-files:node-modules',
      'dev-files:tests',
      'dev-files:vcs',
    ]);
    expect(dev['dev-files:vcs']!.bytes).toBe(final.get('/app/.git/objects/pack/pack-1.pack'));
    expect(dev['dev-files:tests']!.bytes).toBe(final.get('/app/tests/fixtures/big.bin'));
    expect(dev['dev-files:bytecode']!.bytes).toBe(final.get('/app/pkg/__pycache__/mod.cpython-311.pyc'));
    expect(dev['dev-files:node-modules']!.bytes).toBe(final.get('/app/node_modules/left-pad/index.js'));
    expect(dev['dev-files:node-dev-deps']!.bytes).toBe(final.get('/srv/node_modules/typescript/lib/tsc.js'));
    for (const k of ['vcs', 'tests', 'bytecode', 'node-modules'])
      expect(dev[`dev-files:${k}`]!.fix).toMatch(/no \.dockerignore/);
    expect(by('root-user')).toHaveLength(1);
  });

  it('finds nothing on the clean multi-stage image', () => {
    expect(reports.clean!.findings).toEqual([]);
  });

  it('explains the change with the files docker export shows, and lists only what the PR brings', () => {
    const c = compare(reports.clean!, reports.problems!, NO_RULES);
    const base = exported('clean');
    const head = exported('problems');
    let added = 0;
    let addedFiles = 0;
    let removed = 0;
    let removedFiles = 0;
    for (const [p, size] of head) {
      const d = size - (base.get(p) ?? 0);
      if (d > 0 || (!base.has(p) && size === 0)) [added, addedFiles] = [added + d, addedFiles + 1];
      else if (d < 0) [removed, removedFiles] = [removed - d, removedFiles + 1];
    }
    for (const [p, size] of base) if (!head.has(p)) [removed, removedFiles] = [removed + size, removedFiles + 1];
    expect(c.files!.added.bytes).toBe(added);
    expect(c.files!.removed.bytes).toBe(removed);
    expect(c.files!.removed.files).toBe(removedFiles);
    expect(c.files!.added.lines[0]!.path).toBe('/usr/lib/gcc/x86_64-linux-gnu/12/cc1');
    // The clean image had none of the findings, so all of them are new in the PR.
    expect(c.newFindings!.map((x) => x.rule).sort()).toEqual(reports.problems!.findings!.map((x) => x.rule).sort());
    expect(compare(reports.problems!, reports.problems!, NO_RULES).newFindings).toEqual([]);
  });

  describe('on the examples, built against the stand-in official images', () => {
    const examples = join(import.meta.dirname, '../../examples');
    const built: string[] = [];
    const measureExample = async (app: string, kind: string) => {
      const tag = `${TAG}-${app}:${kind}`;
      buildx(CLASSIC, join(examples, app), ['--load', '-t', tag, '-f', join(examples, app, `Dockerfile.${kind}`)]);
      built.push(tag);
      const r = await measureImage(`docker-daemon:${tag}`, {
        files: true,
        compressedEstimate: false,
        daemon: daemonFor(CLASSIC),
      });
      const dockerfilePath = join(examples, app, `Dockerfile.${kind}`);
      return withFindings(
        r,
        await gatherAdvice({ dockerfilePath, contextDir: join(examples, app), daemon: daemonFor(CLASSIC) }),
      );
    };
    /** The regular-file bytes of every layer of an image, as GNU tar lists them in its `docker save`. */
    const savedFileBytes = (ref: string) => {
      const tar = join(tmp, 'saved.tar');
      docker(CLASSIC, ['save', '-o', tar, ref]);
      try {
        const manifest = JSON.parse(tarMember(tar, 'manifest.json').toString()) as { Layers: string[] }[];
        return manifest[0]!.Layers.reduce(
          (sum, layer) => sum + gnuTarListing(tar, layer).reduce((n, e) => (e.type === '-' ? n + e.size : n), 0),
          0,
        );
      } finally {
        rmSync(tar, { force: true });
      }
    };
    const sizeOf = (ref: string) => JSON.parse(docker(CLASSIC, ['image', 'inspect', ref]))[0].Size as number;

    afterAll(() => {
      if (built.length) execFileSync('docker', ['-H', CLASSIC, 'image', 'rm', '-f', ...built], { stdio: 'ignore' });
    });

    it('says a single-stage Go build ships its SDK image, with the bytes of the golang layers', async () => {
      const r = await measureExample('go-service', 'single');
      const single = r.findings!.find((f) => f.rule === 'single-stage')!;
      // The whole SDK image, plus the Go build caches the compile steps left (the binary itself is not counted).
      const caches = [...exported('go-single', r.reference.replace(/^docker-daemon:/, ''))]
        .filter(([p]) => p.includes('/.cache/go-build/') || /^\/(go|root\/go)\/pkg\/mod\//.test(p))
        .reduce((n, [, size]) => n + size, 0);
      expect(single.bytes).toBe(savedFileBytes('golang:1.19') + caches);
      expect((await measureExample('go-service', 'multi')).findings).toEqual([]);
    }, 300_000);

    it('says a Python image runs on the full base, saving its layers minus the slim image the daemon has', async () => {
      const r = await measureExample('python-api', 'single');
      const full = r.findings!.find((f) => f.rule === 'full-base')!;
      expect(full.bytes).toBe(savedFileBytes('python:3.11') - sizeOf('python:3.11-slim'));
      expect(full.estimate).toBe(false);
      expect((await measureExample('python-api', 'multi')).findings).toEqual([]);
    }, 300_000);
  });
});
