import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { measureImage } from '../../src/engine.js';
import type { ImageReport } from '../../src/model/image-report.js';
import { randomBytes } from '../helpers/archives.js';
import {
  CLASSIC,
  CONTAINERD,
  REGISTRY,
  buildx,
  context,
  daemonFor,
  docker,
  gnuTarListing,
  requireDaemons,
  skopeoManifest,
} from '../helpers/docker.js';

const ready = requireDaemons(CLASSIC, CONTAINERD);
const TAG = `dsg-itest-${process.pid}`;
const SECRET = 's3cr3t-value-that-must-not-leak';
const tmp = mkdtempSync(join(tmpdir(), 'dsg-itest-'));

// A file written in one layer and deleted in the next (waste), incompressible and compressible data, a build arg
// whose value lands in history, a USER.
const DOCKERFILE = `FROM busybox
ARG NPM_TOKEN
RUN head -c 3000000 /dev/urandom > /big.bin && echo "$NPM_TOKEN" > /dev/null
RUN dd if=/dev/zero of=/zeros bs=1M count=4 2>/dev/null && ln /zeros /zeros.hard
COPY data /data
RUN rm /big.bin
USER nobody
`;

interface Built {
  host: string;
  ref: string;
  saved: string;
  report: ImageReport;
}

const built: Record<'classic' | 'containerd', Built | undefined> = { classic: undefined, containerd: undefined };

describe.skipIf(!ready)('measuring real images from both image stores', () => {
  beforeAll(async () => {
    const ctx = context({
      Dockerfile: DOCKERFILE,
      'data/text.txt': 'hello\n'.repeat(200000),
      'data/rand.bin': randomBytes(1_500_000),
    });
    try {
      for (const [store, host] of [
        ['classic', CLASSIC],
        ['containerd', CONTAINERD],
      ] as const) {
        const ref = `${TAG}-${store}:latest`;
        // --no-cache: layers of this run only. A cached layer may be one the daemon already pushed (or another
        // builder did, compressed its own way); docker push then mounts that blob instead of compressing the layer.
        buildx(host, ctx.dir, ['--load', '--no-cache', '-t', ref, '--build-arg', `NPM_TOKEN=${SECRET}`]);
        const saved = join(tmp, `${store}.tar`);
        docker(host, ['save', '-o', saved, ref]);
        const report = await measureImage(`docker-daemon:${ref}`, {
          files: true,
          compressedEstimate: true,
          daemon: daemonFor(host),
        });
        built[store] = { host, ref, saved, report };
      }
    } finally {
      ctx.cleanup();
    }
  });

  afterAll(() => {
    for (const b of Object.values(built)) if (b) docker(b.host, ['rmi', '-f', b.ref]);
    rmSync(tmp, { recursive: true, force: true });
  });

  for (const store of ['classic', 'containerd'] as const) {
    describe(`${store} store`, () => {
      it('agrees with docker image inspect and with the saved tar read by GNU tar', async () => {
        const b = built[store]!;
        const r = b.report;
        const inspect = JSON.parse(docker(b.host, ['image', 'inspect', b.ref]))[0];
        expect(r.source).toEqual({ transport: 'docker-daemon', store });
        expect(r.layers.map((l) => l.diffId)).toEqual(inspect.RootFS.Layers);
        expect(r.user).toBe(inspect.Config.User);
        expect(r.platform).toBe(`${inspect.Os}/${inspect.Architecture}`);

        // Per layer, from the saved archive: the blob the manifest names, its length once decompressed, and its entries.
        const index = gnuTarListing(b.saved);
        const manifestJson = JSON.parse(
          execFileSync('tar', ['-xOf', b.saved, 'manifest.json'], { encoding: 'utf8' }),
        )[0];
        manifestJson.Layers.forEach((path: string, i: number) => {
          const layer = r.layers[i]!;
          const blob = execFileSync('tar', ['-xOf', b.saved, path], { maxBuffer: 1 << 30 });
          const tarBytes =
            store === 'classic' ? blob : execFileSync('gzip', ['-dc'], { input: blob, maxBuffer: 1 << 30 });
          expect(layer.uncompressedBytes).toBe(tarBytes.length);
          if (store === 'containerd') {
            expect(layer.compressedBytes).toBe(index.find((e) => e.name === path)!.size);
            expect(layer.compressedIsEstimate).toBe(false);
          }
          const entries = gnuTarListing(b.saved, path);
          expect(layer.files).toBe(entries.length);
          expect(layer.contentBytes).toBe(entries.filter((e) => e.type === '-').reduce((n, e) => n + e.size, 0));
        });
        expect(r.uncompressedBytes).toBe(r.layers.reduce((n, l) => n + l.uncompressedBytes!, 0));

        // The instructions in history order, without the build-arg value that docker history shows.
        const history = docker(b.host, ['history', '--no-trunc', '--format', '{{.CreatedBy}}', b.ref]);
        expect(history).toContain(SECRET);
        expect(JSON.stringify(r)).not.toContain(SECRET);
        expect(r.layers.map((l) => l.instruction).slice(1)).toEqual([
          expect.stringMatching(/^RUN \|1 NPM_TOKEN=\*\*\* head -c 3000000/),
          expect.stringMatching(/^RUN \|1 NPM_TOKEN=\*\*\* dd if=\/dev\/zero/),
          'COPY data /data',
          'RUN |1 NPM_TOKEN=*** rm /big.bin',
        ]);

        // /big.bin written, then deleted: dive counts its 3,000,000 bytes once plus the whiteout's 0.
        expect(r.waste!.files.find((f) => f.path === '/big.bin')).toEqual({
          path: '/big.bin',
          count: 2,
          wastedBytes: 3_000_000,
        });
      });

      it('reads the same numbers from the docker save archive', async () => {
        const b = built[store]!;
        const fromArchive = await measureImage(`docker-archive:${b.saved}`, { files: true, compressedEstimate: true });
        const strip = (r: ImageReport) => ({ ...r, reference: '', source: {} });
        expect(strip(fromArchive)).toEqual(strip(b.report));
      });
    });
  }

  it('reports exact compressed sizes for the containerd store: the registry holds the same blobs after a push', async () => {
    const b = built.containerd!;
    const remote = `${REGISTRY}/dsg-itest:containerd-${process.pid}`;
    docker(CONTAINERD, ['tag', b.ref, remote]);
    docker(CONTAINERD, ['push', '-q', remote]);
    docker(CONTAINERD, ['rmi', remote]);
    const manifest = skopeoManifest(`docker://${remote}`);
    expect(b.report.layers.map((l) => l.compressedBytes)).toEqual(manifest.layers.map((l) => l.size));
    expect(b.report.layers.map((l) => l.digest)).toEqual(manifest.layers.map((l) => l.digest));
    expect(b.report.compressedBytes).toBe(manifest.layers.reduce((n, l) => n + l.size, 0) + manifest.config.size);
  });

  it('estimates the classic store within 2 % of what docker push stores (blobs ≥ 1 MB, and the whole image)', async () => {
    const b = built.classic!;
    const remote = `${REGISTRY}/dsg-itest:classic-${process.pid}`;
    docker(CLASSIC, ['tag', b.ref, remote]);
    docker(CLASSIC, ['push', '-q', remote]);
    docker(CLASSIC, ['rmi', remote]);
    const manifest = skopeoManifest(`docker://${remote}`);
    const pairs = b.report.layers.map((l, i) => ({
      estimate: l.compressedBytes!,
      stored: manifest.layers[i]!.size,
      tar: l.uncompressedBytes!,
    }));
    expect(b.report.layers.every((l) => l.compressedIsEstimate)).toBe(true);
    // A layer that compresses to almost nothing (4 MiB of zeros: 4,104 bytes with zlib at any level from 4 up,
    // 8,397 as docker.io 28.5.2+dfsg4-5 pushes it) is far off in percent and nothing in bytes; the blobs that make
    // the size are held to 2 % each, and the image's total to 2 %.
    const big = pairs.filter((p) => p.stored >= 1_000_000);
    expect(big.length).toBeGreaterThanOrEqual(2);
    for (const p of big) expect(Math.abs(p.estimate - p.stored) / p.stored).toBeLessThan(0.02);
    const sum = (k: 'estimate' | 'stored') => pairs.reduce((n, p) => n + p[k], 0);
    expect(Math.abs(sum('estimate') - sum('stored')) / sum('stored')).toBeLessThan(0.02);
  });
});
