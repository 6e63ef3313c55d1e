/**
 * npm run bench (BENCH_ONLY=flows: the flows alone; BENCH_ONLY=measure: the measuring figures alone; BENCH_ONLY=stored:
 * one build per pull request, bench/stored.ts; BENCH_ONLY=suggest: what a suggested fix costs, bench/suggest.ts; BENCH_ONLY=registry: the registry modes' memory): speed and memory of the measurement engine, as ratios measured side by side in one run.
 * Machines are noisy, so every command runs ROUNDS times, interleaved, and the medians are compared.
 *
 *   full measure / (docker save | gzip -6)         target ≤ 0.35 (issue 22; 0.6 before)
 *   file pass (--no-compressed-estimate) / docker save   target ≤ 1.3
 *   file pass from a saved archive, every digest and diff_id verified / docker save   target ≤ 1.3
 *   registry metadata (--no-files)                 target < 1 s; peak RSS of both registry modes on both images ≤ 128 MB
 *   a base/head pair sharing layers / the two measured apart
 *   the action's own time / its two builds (seed-style), docker driver, both image stores   target ≤ 0.10
 *   (BENCH_FLOWS=classic,containerd,container picks among the flows)
 *   the same with the docker-container builder on the classic store (the runner default)   target ≤ 0.05
 *   file pass from the daemon / dive 0.13.1 on the same image   target ≤ 1.1
 *   peak RSS of each mode on both ≥ 1 GB images   target ≤ 128 MB (issues 10, 22)
 *   memory kept per tar entry (bench/entry-memory.ts)  target ≤ 160 B (issue 22)
 *   the scale cases (bench/scale.ts): 1,000,000 files in one layer, 12 × the same 100,000   peak RSS ≤ 256 MB
 * Each of our node processes also reports its sampled peaks of heap, external and array-buffer memory.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { benchStoredBase, benchStoredSize } from './stored.js';
import { benchSuggestCost } from './suggest.js';
import { scaleLayout } from './scale.js';

const root = join(import.meta.dirname, '..');
const cli = join(root, 'dist/cli/index.js'); // run as the bin is run: through its shebang
const IMAGE = process.env.BENCH_IMAGE ?? 'dsg-bench:large-v2';
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
/** Rounds of the build-and-compare flow, which takes minutes a round. */
const FLOW_ROUNDS = Number(process.env.BENCH_FLOW_ROUNDS ?? 2);
const REGISTRY_REF = `127.0.0.1:5000/dsg-bench:large-v2`;
/** dive 0.13.1, built from source, beside the repository (shared/tools/dive) or where DSG_DIVE says. */
const DIVE = process.env.DSG_DIVE ?? join(import.meta.dirname, '../../shared/tools/dive/dive');
const tmp = mkdtempSync(join(tmpdir(), 'dsg-bench-'));

function sh(cmd: string): void {
  execFileSync('bash', ['-c', cmd], { stdio: ['ignore', 'ignore', 'inherit'] });
}

interface Timed {
  seconds: number;
  rssMB: number;
  /** CPU seconds, user + system, of the command and its children. */
  cpu: number;
  /** Peaks of process.memoryUsage() sampled every 10 ms in our own node processes (bench/memory-sampler.mjs). */
  heapMB?: number;
  externalMB?: number;
  arrayBuffersMB?: number;
}

const SAMPLER = join(import.meta.dirname, 'memory-sampler.mjs');

function timed(cmd: string): Timed {
  const out = join(tmp, 'time.txt');
  const memory = join(tmp, 'memory.json');
  rmSync(memory, { force: true });
  const r = spawnSync('/usr/bin/time', ['-f', '%U %S %e %M', '-o', out, 'bash', '-c', cmd], {
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, NODE_OPTIONS: `--import ${SAMPLER}`, DSG_MEMORY_OUT: memory },
  });
  if (r.status !== 0) throw new Error(`bench command failed: ${cmd}`);
  const [user, system, seconds, kb] = readFileSync(out, 'utf8').trim().split(/\s+/).slice(-4).map(Number);
  let sampled: Record<string, number> = {};
  try {
    sampled = JSON.parse(readFileSync(memory, 'utf8')) as Record<string, number>;
  } catch {
    // Not one of our node processes (docker, gzip, dive).
  }
  return {
    seconds: seconds!,
    rssMB: kb! / 1024,
    cpu: user! + system!,
    heapMB: sampled.heapUsed,
    externalMB: sampled.external,
    arrayBuffersMB: sampled.arrayBuffers,
  };
}

/** What the measuring pass keeps per tar entry by design, from bench/entry-memory.ts run on the same image. */
function entryMemory(image: string): { entries: number; typedBytesPerEntry: number } {
  const out = execFileSync(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'entry-memory.ts'), image], {
    cwd: root,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return JSON.parse(out.trim().split('\n').at(-1)!) as ReturnType<typeof entryMemory>;
}

function entryRows(image: string, label: string): void {
  const m = entryMemory(image);
  const name = `path tree and entry lists per entry, ${label} (B; ${m.entries} entries)`;
  row(name, m.typedBytesPerEntry.toFixed(0), '≤ 160', m.typedBytesPerEntry <= 160);
}

/** Seconds the `diff` flow spent in its two builds, from its time-stamped progress lines. */
function flowBuilds(stamped: string): number {
  const at = (prefix: string) => {
    const line = stamped.split('\n').find((l) => l.slice(l.indexOf(' ') + 1).startsWith(prefix));
    if (!line) throw new Error(`bench: the flow printed no "${prefix}" line:\n${stamped}`);
    return Number(line.slice(0, line.indexOf(' ')));
  };
  return at('Base build:') - at('Build the base image') + (at('PR build:') - at('Build the PR image'));
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

function ensureImage(): void {
  if (spawnSync('docker', ['image', 'inspect', IMAGE], { stdio: 'ignore' }).status === 0) return;
  console.log(`building ${IMAGE} from bench/Dockerfile.large (once; a few minutes)`);
  sh(`docker buildx build --progress=quiet --load -t ${IMAGE} -f ${root}/bench/Dockerfile.large ${root}/bench`);
}

/** The many-small-files image, built once from Debian packages (bench/Dockerfile.small-files). */
const SMALL = process.env.BENCH_SMALL_IMAGE ?? 'dsg-bench:small-files-v1';
const SMALL_REF = `127.0.0.1:5000/${SMALL}`;
function ensureSmallFiles(): void {
  if (spawnSync('docker', ['image', 'inspect', SMALL], { stdio: 'ignore' }).status === 0) return;
  console.log(`building ${SMALL} from bench/Dockerfile.small-files (once; several minutes)`);
  sh(`docker buildx build --progress=quiet --load -t ${SMALL} -f ${root}/bench/Dockerfile.small-files ${root}/bench`);
}

function ensurePair(): string {
  const head = `${IMAGE}-head`;
  if (spawnSync('docker', ['image', 'inspect', head], { stdio: 'ignore' }).status === 0) return head;
  sh(
    `printf 'FROM ${IMAGE}\\nRUN head -c 20000000 /dev/urandom > /head.bin\\n' | docker buildx build --progress=quiet --load -t ${head} -`,
  );
  return head;
}

function ensurePushed(image = IMAGE, ref = REGISTRY_REF): void {
  if (
    spawnSync('skopeo', ['inspect', '--raw', '--tls-verify=false', `docker://${ref}`], { stdio: 'ignore' }).status === 0
  )
    return;
  sh(`docker tag ${image} ${ref} && docker push -q ${ref} && docker rmi ${ref}`);
}

/**
 * The registry modes' peak RSS on an image pushed to the loopback registry: its metadata alone (`--no-files`), and
 * every blob streamed for the file pass (the compressed sizes are the registry's, nothing is estimated).
 */
function registryFigures(image: string, ref: string, shape: string): void {
  ensurePushed(image, ref);
  for (const [mode, flags] of [
    ['metadata (--no-files)', '--no-files'],
    ['blobs streamed, files', ''],
  ] as const) {
    const runs = Array.from({ length: ROUNDS }, () => timed(`${cli} measure docker://${ref} ${flags} > /dev/null`));
    const peak = Math.max(...runs.map((r) => r.rssMB));
    console.log(
      `  registry ${mode}, ${shape}: ${runs.map((r) => `${r.seconds.toFixed(1)} s ${r.rssMB.toFixed(0)} MB`).join('  ')}`,
    );
    row(`peak RSS, registry ${mode}, ${shape} (MB)`, peak.toFixed(0), '≤ 128', peak <= 128);
  }
}

/**
 * The scale cases, OCI layouts read from disk (bench/scale.ts, written once into the bench cache): one gzip layer
 * of 1,000,000 empty files, and 12 layers of the same 100,000 one-byte files.
 */
async function scaleFigures(): Promise<void> {
  const cache = process.env.BENCH_CACHE ?? '/var/cache/docker-size-guard/bench';
  const cases: [string, string, number, number, number][] = [
    ['one-million', '1 layer × 1,000,000 empty files', 1, 1_000_000, 0],
    ['twelve-layers', '12 layers × the same 100,000 one-byte files', 12, 100_000, 1],
  ];
  for (const [name, label, layers, files, bytes] of cases) {
    const dir = join(cache, name);
    if (spawnSync('test', ['-f', join(dir, 'index.json')]).status !== 0) {
      console.log(`writing the scale case ${label} to ${dir} (once; about a minute)`);
      rmSync(dir, { recursive: true, force: true });
      await scaleLayout(dir, layers, files, bytes);
    }
    const runs = Array.from({ length: ROUNDS }, () => timed(`${cli} measure oci:${dir} --format json > /dev/null`));
    const peak = Math.max(...runs.map((r) => r.rssMB));
    console.log(
      `\n${label}: ${runs.map((r) => `${r.seconds.toFixed(1)} s ${r.rssMB.toFixed(0)} MB (heap ${r.heapMB}, external ${r.externalMB})`).join('  ')}`,
    );
    row(`peak RSS, ${label} (MB)`, peak.toFixed(0), '≤ 256', peak <= 256);
    entryRows(`oci:${dir}`, label);
  }
}

function row(name: string, value: string, target: string, ok: boolean): void {
  console.log(`${name.padEnd(58)} ${value.padStart(10)}   target ${target.padEnd(8)} ${ok ? 'ok' : 'MISSED'}`);
}

/** zlib level 4 in the estimate's chunks on one thread over the layers of a saved image: what one core can do. */
function zlibThroughput(archive: string): { bytes: number; mbPerSecond: number } {
  const out = execFileSync(
    process.execPath,
    ['--import', 'tsx', join(import.meta.dirname, 'zlib-throughput.ts'), archive],
    { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] },
  );
  return JSON.parse(out) as { bytes: number; mbPerSecond: number };
}

/** The measuring figures of one image, side by side in interleaved rounds: each mode against save, gzip and dive. */
/** Returns the file pass's median seconds. */
function imageFigures(image: string, shape: string): number {
  const size = Number(execFileSync('docker', ['image', 'inspect', '-f', '{{.Size}}', image], { encoding: 'utf8' }));
  // Counted by find in the image itself (both bench images are Debian): the final filesystem's paths.
  const files = execFileSync('docker', ['run', '--rm', '--entrypoint', 'sh', image, '-c', 'find / -xdev | wc -l'], {
    encoding: 'utf8',
  }).trim();
  console.log(
    `\nimage ${image} (${shape}): ${(size / 1e9).toFixed(2)} GB (classic store), ${files} paths, ${ROUNDS} interleaved rounds, medians`,
  );
  const runs: Record<string, Timed[]> = {};
  // An archive is untrusted input: its blobs are hashed against their digests and diff_ids (the daemon is not).
  const archive = join(tmp, 'image.tar');
  sh(`docker save ${image} > ${archive}`);
  const commands: Record<string, string> = {
    save: `docker save ${image} > /dev/null`,
    saveGzip: `docker save ${image} | gzip -6 > /dev/null`,
    full: `${cli} measure ${image} --format json > /dev/null`,
    estimate: `${cli} measure ${image} --no-files --format json > /dev/null`,
    files: `${cli} measure ${image} --no-compressed-estimate --format json > /dev/null`,
    // The same file pass, the save read through dockerode's stream (node:http) instead of the reused buffer.
    dockerode: `DSG_SAVE_READER=dockerode ${cli} measure ${image} --no-compressed-estimate --format json > /dev/null`,
    archive: `${cli} measure docker-archive:${archive} --no-compressed-estimate --format json > /dev/null`,
    // dive reads the image from the daemon the same way (docker save) and walks every file of every layer.
    dive: `${DIVE} --source docker ${image} --ci --json ${join(tmp, 'dive.json')} > /dev/null 2>&1 || test -s ${join(tmp, 'dive.json')}`,
  };
  for (let i = 0; i < ROUNDS; i++) {
    for (const [k, cmd] of Object.entries(commands)) (runs[k] ??= []).push(timed(cmd));
  }
  const zlib = zlibThroughput(archive);
  rmSync(archive, { force: true });
  const t = (k: string) => median(runs[k]!.map((r) => r.seconds));
  // The estimate's own CPU: the full measure's less the file pass's, over the bytes it compressed (the daemon's
  // save is uncompressed: every layer's tar).
  const cpu = (k: string) => median(runs[k]!.map((r) => r.cpu));
  const perCore = zlib.bytes / 1e6 / (cpu('full') - cpu('files'));
  const rss = (k: string) => Math.max(...runs[k]!.map((r) => r.rssMB));
  for (const k of Object.keys(commands)) {
    const peaks = (r: Timed) =>
      r.heapMB === undefined ? '' : ` (heap ${r.heapMB}, external ${r.externalMB}, of it buffers ${r.arrayBuffersMB})`;
    console.log(
      `  ${k.padEnd(9)} ${runs[k]!.map((r) => `${r.seconds.toFixed(1)} s ${r.rssMB.toFixed(0)} MB${peaks(r)}`).join('  ')}`,
    );
  }
  console.log('');
  const ratio = (name: string, a: string, b: string, limit: number) => {
    const r = t(a) / t(b);
    row(name, r.toFixed(2), `≤ ${limit.toFixed(2)}`, r <= limit);
  };
  ratio('full measure / (docker save | gzip -6)', 'full', 'saveGzip', 0.35);
  ratio('file pass (--no-compressed-estimate) / docker save', 'files', 'save', 1.3);
  ratio('file pass of a saved archive, digests verified / docker save', 'archive', 'save', 1.3);
  ratio('file pass from the daemon / dive 0.13.1, same image', 'files', 'dive', 1.1);
  // dockerode's stream is not what reads a save over unix:// or tcp://; its rows say why (no target of ours).
  const comparison = (name: string, a: string, b: string) => row(name, (t(a) / t(b)).toFixed(2), '—', true);
  comparison('file pass, dockerode stream / docker save (for comparison)', 'dockerode', 'save');
  comparison('file pass, dockerode stream / reused buffer (for comparison)', 'dockerode', 'files');
  for (const [k, label] of [
    ['full', 'full measure'],
    ['estimate', 'estimate only (--no-files)'],
    ['files', 'file pass, reused buffer'],
    ['archive', 'archive with digests verified'],
  ] as const)
    row(`peak RSS, ${label} (MB)`, rss(k).toFixed(0), '≤ 128', rss(k) <= 128);
  row('peak RSS, file pass, dockerode stream (MB, for comparison)', rss('dockerode').toFixed(0), '—', true);
  row('peak RSS, dive (MB, for comparison)', rss('dive').toFixed(0), '—', true);
  entryRows(image, shape);
  row('estimate, MB/s per core (CPU of full − file pass)', perCore.toFixed(0), '—', true);
  row('  zlib level 4 alone, one thread, the same layers (MB/s)', zlib.mbPerSecond.toFixed(0), '—', true);
  return t('files');
}

try {
  sh(`bash ${root}/scripts/provision.sh >/dev/null`);
  if (spawnSync('test', ['-f', cli]).status !== 0) sh(`cd ${root} && npm run build`);
  const only = process.env.BENCH_ONLY;
  if (only === 'suggest' || only === undefined) benchSuggestCost(tmp, row, FLOW_ROUNDS);
  if (only === 'stored') {
    ensureImage();
    await benchStoredSize(tmp, IMAGE, row);
    benchStoredBase(tmp, row, FLOW_ROUNDS);
  }
  if (only === 'registry') {
    ensureImage();
    ensureSmallFiles();
    registryFigures(IMAGE, REGISTRY_REF, 'few large files');
    registryFigures(SMALL, SMALL_REF, 'many small files');
  }
  // BENCH_ONLY=flows runs the build-and-compare flows alone (they take most of the time).
  if (only !== 'flows' && only !== 'stored' && only !== 'suggest' && only !== 'registry') {
    ensureImage();
    const head = ensurePair();
    ensurePushed();
    const size = Number(execFileSync('docker', ['image', 'inspect', '-f', '{{.Size}}', IMAGE], { encoding: 'utf8' }));

    const filePass = imageFigures(IMAGE, 'few large files');
    ensureSmallFiles();
    imageFigures(SMALL, 'many small files');
    await scaleFigures();

    const reg = median(
      Array.from(
        { length: ROUNDS },
        () => timed(`${cli} measure docker://${REGISTRY_REF} --no-files > /dev/null`).seconds,
      ),
    );
    row(`registry metadata, ${(size / 1e9).toFixed(1)} GB image (--no-files, s)`, reg.toFixed(2), '< 1 s', reg < 1);
    registryFigures(IMAGE, REGISTRY_REF, 'few large files');
    registryFigures(SMALL, SMALL_REF, 'many small files');

    // A pair sharing all but one layer: one save and one analysis per layer, against measuring each alone.
    const alone = median(
      Array.from(
        { length: ROUNDS },
        () => timed(`${cli} measure ${head} --no-compressed-estimate > /dev/null`).seconds,
      ),
    );
    const pair = median(
      Array.from(
        { length: ROUNDS },
        () => timed(`cd ${root} && node --import tsx bench/pair.ts ${IMAGE} ${head}`).seconds,
      ),
    );
    const pairRatio = pair / (alone + filePass);
    row('base+head pair in one pass / the two measured apart', pairRatio.toFixed(2), '< 1.0', pairRatio < 1);
  }

  if (only !== 'measure' && only !== 'stored' && only !== 'suggest' && only !== 'registry') {
    // One build per pull request: the base from what main stored (bench/stored.ts).
    ensureImage();
    await benchStoredSize(tmp, IMAGE, row);
    benchStoredBase(tmp, row, FLOW_ROUNDS);
    // The action's own time beyond the two builds, on the seed-style example: a repository whose base commit has
    // the single-stage Dockerfile and whose PR has the multi-stage one, built without cache as a runner without one
    // does. The whole flow (`diff`: worktree, both builds, measuring, comparing, rendering) against the same two
    // builds run alone, interleaved; the difference is what the tool adds.
    const example = join(root, 'examples/hello-c');
    const repo = join(tmp, 'repo');
    sh(
      `mkdir -p ${repo} && cd ${repo} && git init -q -b main && cp ${example}/hello.c . && ` +
        `cp ${example}/Dockerfile.single Dockerfile && git add -A && git -c user.name=b -c user.email=b@b commit -qm base && ` +
        `cp ${example}/Dockerfile.multi Dockerfile && git add -A && git -c user.name=b -c user.email=b@b commit -qm pr`,
    );
    // Both image stores: on the classic one the docker driver builds into the daemon and the compressed size is
    // estimated (which costs CPU); on the containerd one (Docker 29+ installs) it exports, as BuildKit on its own
    // does. The docker-container builder is what docker/setup-buildx-action creates on runners: its one export is
    // measured as it is, exact sizes, nothing loaded.
    const stores: [string, string, string, string, number][] = [
      ['classic', 'docker driver, classic store', 'unix:///var/run/docker.sock', '', 0.1],
      ['containerd', 'docker driver, containerd store', 'unix:///tmp/docker-containerd/docker.sock', '', 0.1],
      ['container', 'docker-container builder, classic store', 'unix:///var/run/docker.sock', 'dsg-container', 0.05],
    ];
    // BENCH_FLOWS=classic,containerd,container picks some of them.
    const picked = process.env.BENCH_FLOWS?.split(',');
    for (const [key, label, host, builder, target] of stores) {
      if (picked && !picked.includes(key)) continue;
      const env = `DOCKER_HOST=${host}`;
      const b = builder ? `--builder ${builder}` : '';
      const build = (k: string) =>
        `${env} docker buildx build ${b} --progress=quiet --no-cache --load -t dsg-bench-hello:${k} -f ${example}/Dockerfile.${k} ${example}`;
      const builds: number[] = [];
      const whole: number[] = [];
      const inFlow: number[] = [];
      for (let i = 0; i < FLOW_ROUNDS; i++) {
        builds.push(timed(`${build('single')} && ${build('multi')}`).seconds);
        // The flow's progress lines, time-stamped as they come: how long its own two builds took.
        const lines = join(tmp, 'flow.txt');
        whole.push(
          timed(
            `cd ${repo} && ${env} ${cli} diff --base-ref HEAD~1 ${b} --no-cache --format markdown 2>&1 >/dev/null | ` +
              `while IFS= read -r l; do echo "$(date +%s.%N) $l"; done > ${lines}`,
          ).seconds,
        );
        inFlow.push(flowBuilds(readFileSync(lines, 'utf8')));
        // The same tags again next round: the old images would be left dangling.
        sh(`${env} docker image rm dsg-bench-hello:single dsg-bench-hello:multi`);
      }
      console.log(`  ${label}: builds ${builds.map((x) => x.toFixed(1) + ' s').join('  ')}`);
      console.log(`  ${label}: whole  ${whole.map((x) => x.toFixed(1) + ' s').join('  ')}`);
      console.log(`  ${label}: the flow's own builds ${inFlow.map((x) => x.toFixed(1) + ' s').join('  ')}`);
      // Each round's pair ran back to back, so the ratio is taken per round and the rounds averaged. It is signed:
      // below zero, the flow took less than the two builds alone (which load their images into the daemon, as a
      // user's build does; the flow does not put into the daemon what it only measures, with a builder that exports).
      const ratios = builds.map((b, i) => (whole[i]! - b) / b);
      console.log(`  ${label}: own time / the builds, per round ${ratios.map((r) => r.toFixed(2)).join('  ')}`);
      const ratio = ratios.reduce((x, y) => x + y, 0) / ratios.length;
      row(`own time / the two builds, ${label}`, ratio.toFixed(2), `≤ ${target.toFixed(2)}`, ratio <= target);
      // Beside it, free of the builds' round-to-round noise (package downloads): the flow's time outside its own
      // two builds, over them. It leaves out what measuring the base costs the PR build running beside it.
      const outside = whole.map((w, i) => (w - inFlow[i]!) / inFlow[i]!).reduce((x, y) => x + y, 0) / whole.length;
      row(`  time outside the flow's own builds / them, ${label}`, outside.toFixed(2), '—', true);
    }
  }
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
