import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { measureImage } from '../../src/engine.js';
import { UserError } from '../../src/errors.js';
import {
  contentOf,
  docker24Archive,
  docker25Archive,
  kanikoArchive,
  ociArchive,
  sha256,
  tarOf,
  type Spec,
} from '../helpers/archives.js';

const dir = mkdtempSync(join(tmpdir(), 'dsg-layouts-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
function file(data: Buffer): string {
  const p = join(dir, `a${n++}.tar`);
  writeFileSync(p, data);
  return p;
}

const base: Spec[] = [
  { name: 'etc/', type: 'directory' },
  { name: 'etc/passwd', content: 'root:x:0:0::/root:/bin/sh\n' },
  { name: 'bin/', type: 'directory' },
  { name: 'bin/tool', content: 300_000 },
  { name: 'bin/link', type: 'symlink', linkname: 'tool' },
  { name: 'bin/hard', type: 'link', linkname: 'bin/tool' },
];
const app: Spec[] = [
  { name: 'app/', type: 'directory' },
  { name: 'app/' + 'very-long-directory-name/'.repeat(8) + 'file.bin', content: 5000 }, // PAX / long name
  { name: 'app/cache.bin', content: 70_000 },
];
const cleanup: Spec[] = [
  { name: 'app/.wh.cache.bin', content: '' },
  { name: 'etc/.wh..wh..opq', content: '' },
];

const options = { files: true, compressedEstimate: true };

async function layers() {
  return [await tarOf(base), await tarOf(app), await tarOf(cleanup)];
}

describe('archive layouts', () => {
  it('reads a Docker ≥ 25 save (uncompressed blobs named by diff_id)', async () => {
    const ls = await layers();
    const r = await measureImage(`docker-archive:${file(await docker25Archive({ layers: ls }))}`, options);
    expect(r.layerCount).toBe(3);
    expect(r.layers.map((l) => l.diffId)).toEqual(ls.map((l) => sha256(l)));
    expect(r.layers.map((l) => l.uncompressedBytes)).toEqual(ls.map((l) => l.length));
    expect(r.layers.map((l) => l.contentBytes)).toEqual([contentOf(base), contentOf(app), 0]);
    expect(r.layers.map((l) => l.files)).toEqual([base.length, app.length, cleanup.length]);
    expect(r.uncompressedBytes).toBe(ls.reduce((a, l) => a + l.length, 0));
    expect(r.compressedIsEstimate).toBe(true);
    expect(r.layers.every((l) => l.digest === null)).toBe(true);
    expect(r.layers.map((l) => l.instruction)).toEqual(['RUN step0', 'RUN step1', 'RUN step2']);
  });

  it('reads a Docker ≤ 24 save, where a repeated layer is a symlink to its first copy', async () => {
    const [a, b] = await layers();
    const r = await measureImage(`docker-archive:${file(await docker24Archive({ layers: [a!, b!, a!] }))}`, options);
    expect(r.layers.map((l) => l.uncompressedBytes)).toEqual([a!.length, b!.length, a!.length]);
    // Applied twice, so counted twice uncompressed; one blob, so pulled once.
    expect(r.uncompressedBytes).toBe(2 * a!.length + b!.length);
    const est = r.layers.map((l) => l.compressedBytes!);
    expect(est[2]).toBe(est[0]);
    const config = r.compressedBytes! - est[0]! - est[1]!; // the rest is the config blob
    expect(config).toBeGreaterThan(200);
    expect(config).toBeLessThan(2000);
  });

  it('reads containerd-style archives: gzip blobs, nested index, attestation manifest skipped', async () => {
    const ls = await layers();
    const { archive, compressed } = await ociArchive([{ layers: ls }], { nested: true, attestation: true });
    const r = await measureImage(`oci-archive:${file(archive)}`, options);
    expect(r.compressedIsEstimate).toBe(false);
    expect(r.layers.map((l) => l.compressedBytes)).toEqual(compressed[0]!.map((z) => z.length));
    expect(r.layers.map((l) => l.digest)).toEqual(compressed[0]!.map((z) => sha256(z)));
    expect(r.layers.map((l) => l.uncompressedBytes)).toEqual(ls.map((l) => l.length));
    expect(r.layers.map((l) => l.contentBytes)).toEqual([contentOf(base), contentOf(app), 0]);
  });

  it('sniffs zstd even when the media type says gzip', async () => {
    const ls = await layers();
    const { archive, compressed } = await ociArchive([{ layers: ls }], { codec: 'zstd', mediaTypeLies: true });
    const r = await measureImage(`oci-archive:${file(archive)}`, options);
    expect(r.layers.map((l) => l.uncompressedBytes)).toEqual(ls.map((l) => l.length));
    expect(r.layers.map((l) => l.compressedBytes)).toEqual(compressed[0]!.map((z) => z.length));
  });

  it('reads kaniko tarballs with .tar.gz layers', async () => {
    const ls = await layers();
    const { archive, compressed } = await kanikoArchive({ layers: ls });
    const r = await measureImage(`docker-archive:${file(archive)}`, options);
    expect(r.layers.map((l) => l.uncompressedBytes)).toEqual(ls.map((l) => l.length));
    expect(r.layers.map((l) => l.compressedBytes)).toEqual(compressed.map((z) => z.length));
  });

  it('reads a gzipped docker save (docker save | gzip)', async () => {
    const ls = await layers();
    const r = await measureImage(`docker-archive:${file(gzipSync(await docker25Archive({ layers: ls })))}`, options);
    expect(r.uncompressedBytes).toBe(ls.reduce((a, l) => a + l.length, 0));
  });

  it('reads an OCI layout directory and an archive, and picks the platform asked for', async () => {
    const amd = [await tarOf([{ name: 'amd', content: 1000 }])];
    const arm = [await tarOf([{ name: 'arm', content: 3000 }]), await tarOf([{ name: 'x', content: 10 }])];
    const { archive, blobs, index } = await ociArchive(
      [
        { layers: amd, platform: { os: 'linux', architecture: 'amd64' } },
        { layers: arm, platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } },
      ],
      { attestation: true },
    );
    const layout = join(dir, 'layout');
    mkdirSync(join(layout, 'blobs/sha256'), { recursive: true });
    for (const [p, b] of blobs) writeFileSync(join(layout, p), b);
    writeFileSync(join(layout, 'index.json'), index);
    const arm64 = { os: 'linux', architecture: 'arm64' };
    for (const ref of [`oci-archive:${file(archive)}`, `oci:${layout}`]) {
      const r = await measureImage(ref, { ...options, platform: arm64 });
      expect(r.platform).toBe('linux/arm64/v8');
      expect(r.layerCount).toBe(2);
      expect(r.contentBytes).toBe(3010);
      expect(r.uncompressedBytes).toBe(arm[0]!.length + arm[1]!.length);
      // Without --platform: the host's (amd64 here), never the attestation manifest.
      const host = await measureImage(ref, options);
      expect(host.platform).toBe('linux/amd64');
      expect(host.contentBytes).toBe(1000);
    }
    await expect(
      measureImage(`oci-archive:${file(archive)}`, { ...options, platform: { os: 'linux', architecture: 's390x' } }),
    ).rejects.toThrow(/no image for platform linux\/s390x; it has linux\/amd64, linux\/arm64\/v8/);
  });

  it('handles more than 127 layers and empty layers', async () => {
    const empty = await tarOf([]);
    const ls = [];
    for (let i = 0; i < 130; i++) ls.push(i % 10 === 0 ? empty : await tarOf([{ name: `f${i}`, content: i }]));
    const r = await measureImage(`docker-archive:${file(await docker25Archive({ layers: ls }))}`, options);
    expect(r.layerCount).toBe(130);
    expect(r.contentBytes).toBe(ls.reduce((a, _, i) => a + (i % 10 === 0 ? 0 : i), 0));
    expect(r.layers[0]!.files).toBe(0);
    expect(r.layers[0]!.uncompressedBytes).toBe(empty.length);
  });

  it('maps history to layers: empty_layer entries skipped, <missing> where history is short', async () => {
    const ls = await layers();
    const history = [
      { created_by: 'ADD file:abc in / ' },
      { created_by: 'ENV A=b', empty_layer: true },
      { created_by: 'RUN |1 NPM_TOKEN=s3cr3t /bin/sh -c npm ci # buildkit' },
    ];
    const r = await measureImage(`docker-archive:${file(await docker25Archive({ layers: ls, history }))}`, options);
    expect(r.layers.map((l) => l.instruction)).toEqual([
      'ADD file:abc in /',
      'RUN |1 NPM_TOKEN=*** npm ci',
      '<missing>',
    ]);
    expect(JSON.stringify(r)).not.toContain('s3cr3t');
  });

  it('computes dive-compatible waste over real layer tars', async () => {
    const ls = await layers();
    const r = await measureImage(`docker-archive:${file(await docker25Archive({ layers: ls }))}`, options);
    // app/cache.bin is added (70000) then whited out (0): one path seen twice, wasted = 70000 + 0.
    expect(r.waste!.files).toEqual([{ path: '/app/cache.bin', count: 2, wastedBytes: 70_000 }]);
    expect(r.waste!.wastedBytes).toBe(70_000);
    expect(r.waste!.userWastedPercent).toBeCloseTo(70_000 / contentOf(app), 10);
  });

  it('--no-files reads sizes without the file walk', async () => {
    const ls = await layers();
    const r = await measureImage(`docker-archive:${file(await docker25Archive({ layers: ls }))}`, {
      files: false,
      compressedEstimate: false,
    });
    expect(r.uncompressedBytes).toBe(ls.reduce((a, l) => a + l.length, 0));
    expect(r.contentBytes).toBeNull();
    expect(r.compressedBytes).toBeNull();
    expect(r.waste).toBeNull();
  });
});

describe('bad archives give one clear line', () => {
  const cases: [string, () => Promise<Buffer>, RegExp][] = [
    ['a plain rootfs tar', () => tarOf(base), /not an image \(no manifest.json or index.json/],
    [
      'a truncated archive',
      async () => (await docker25Archive({ layers: await layers() })).subarray(0, 3000),
      /truncated or corrupt archive/,
    ],
    ['an empty file', async () => Buffer.alloc(0), /the archive is empty/],
    [
      'random bytes',
      async () => Buffer.from('hello world, not a tar at all'.repeat(40)),
      /truncated or corrupt|not an image/,
    ],
  ];
  for (const [name, make, message] of cases) {
    it(name, async () => {
      const p = file(await make());
      const err = await measureImage(`docker-archive:${p}`, options).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(UserError);
      expect((err as Error).message).toMatch(message);
      expect((err as Error).message).toContain(p);
      expect((err as Error).message).not.toContain('\n');
    });
  }

  it('a corrupt gzip layer is named', async () => {
    const ls = await layers();
    const { archive, compressed } = await ociArchive([{ layers: ls }]);
    const z = compressed[0]![1]!;
    const at = archive.indexOf(z);
    archive.fill(0x41, at + 20, at + 60); // damage the deflate stream, keep the outer tar intact
    const err = await measureImage(`oci-archive:${file(archive)}`, options).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as Error).message).toMatch(/layer blobs\/sha256\/[0-9a-f]{64} is unreadable/);
  });
});
