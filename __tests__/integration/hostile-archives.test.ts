import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ImageReport } from '../../src/model/image-report.js';
import { tarOf } from '../helpers/archives.js';
import { archiveOf, hostileCases, layoutOf, tarHeader, zstdBomb } from '../helpers/hostile.js';

const root = join(import.meta.dirname, '../..');
const cli = join(root, 'dist/cli/index.js');
const tmp = mkdtempSync(join(tmpdir(), 'dsg-hostile-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Runs the built CLI under GNU time: exit code, output, peak RSS in MB, wall seconds. */
export function dsgMeasured(args: string[], timeoutMs = 120_000) {
  const started = Date.now();
  // Run as the bin is run: through its shebang (its node flags and malloc settings are part of the bounds).
  const r = spawnSync('/usr/bin/time', ['-q', '-f', 'MAXRSS=%M', cli, ...args], {
    encoding: 'utf8',
    timeout: timeoutMs,
    maxBuffer: 1 << 28,
    env: { ...process.env, TMPDIR: tmp },
  });
  const rss = Number(/MAXRSS=(\d+)/.exec(r.stderr)?.[1] ?? NaN) / 1024;
  const stderr = r.stderr.replace(/MAXRSS=\d+\n?$/, '');
  return {
    code: r.status,
    signal: r.signal,
    stdout: r.stdout,
    stderr,
    rssMb: rss,
    seconds: (Date.now() - started) / 1000,
  };
}

/** The CLI contract on bad input: exit 2, exactly one `error:` line, no stack trace, no internal error. */
function expectOneLine(r: ReturnType<typeof dsgMeasured>, error: RegExp) {
  expect(r.signal, 'killed: the CLI did not finish in time').toBeNull();
  expect(r.stderr).toMatch(/^error: [^\n]+\n$/);
  expect(r.stderr).not.toMatch(/internal error|\n\s+at /);
  expect(r.stderr.slice('error: '.length)).toMatch(error);
  expect(r.code).toBe(2);
  expect(r.stdout).toBe('');
}

describe('hostile archives and layouts (issue 9 §10–§15)', async () => {
  const cases = await hostileCases();
  for (const c of cases) {
    it(`${c.name}: one line, exit 2`, async () => {
      const ref = await c.make(tmp);
      const r = dsgMeasured(['measure', ref, '--format', 'json'], 60_000);
      expectOneLine(r, c.error);
      expect(r.rssMb).toBeLessThan(200);
    });
  }

  it('a zstd bomb (1 GiB of zeros in a few hundred KB) streams through in bounded memory', () => {
    const bomb = zstdBomb(tmp, 1);
    expect(bomb.length).toBeLessThan(1_000_000);
    const files = layoutOf([bomb], { mediaType: 'application/vnd.oci.image.layer.v1.tar+zstd' });
    const path = join(tmp, 'bomb.tar');
    return archiveOf(files).then((a) => {
      writeFileSync(path, a);
      const r = dsgMeasured(['measure', `oci-archive:${path}`, '--format', 'json']);
      // The config names the compressed blob as its diff_id, so the check after the read fails: the read itself
      // had to go through the whole GiB to get there.
      expectOneLine(r, /does not match the config's diff_id/);
      // Measured: 121 MB on Node 20, 165–170 MB on Node 24, whose V8 lets the old generation grow further before a
      // full collection (with --max-old-space-size=64 it is 134 MB). Bounded either way: a GiB went through.
      expect(r.rssMb).toBeLessThan(190);
    });
  });

  it('a 1 GiB layer of zeros in a gzipped docker-archive: the gzip estimate stays in bounded memory', () => {
    // Built by GNU tar and gzip from a sparse file: the layer's bytes never pass through this process.
    const dir = join(tmp, 'gz-bomb');
    execFileSync('mkdir', ['-p', join(dir, 'src')]);
    execFileSync('truncate', ['-s', '1G', join(dir, 'src/zeros')]);
    execFileSync('tar', ['-C', join(dir, 'src'), '-cf', join(dir, 'layer.tar'), 'zeros']);
    const layerBytes = statSync(join(dir, 'layer.tar')).size;
    const diffId = `sha256:${execFileSync('sha256sum', [join(dir, 'layer.tar')], { encoding: 'utf8' }).split(' ')[0]}`;
    writeFileSync(
      join(dir, 'cfg.json'),
      JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [diffId] } }),
    );
    writeFileSync(
      join(dir, 'manifest.json'),
      JSON.stringify([{ Config: 'cfg.json', RepoTags: ['bomb:1'], Layers: ['layer.tar'] }]),
    );
    const path = join(tmp, 'gz-bomb.tar.gz');
    execFileSync('sh', ['-c', `tar -C '${dir}' -cf - manifest.json cfg.json layer.tar | gzip -1 > '${path}'`]);
    rmSync(dir, { recursive: true, force: true });
    const r = dsgMeasured(['measure', `docker-archive:${path}`, '--format', 'json']);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as ImageReport;
    expect(report.layers[0]!.uncompressedBytes).toBe(layerBytes);
    expect(report.layers[0]!.compressedIsEstimate).toBe(true);
    expect(r.rssMb, `peak RSS ${r.rssMb} MB`).toBeLessThan(256);
    rmSync(path, { force: true });
  });

  it('many large JSON members are not all kept', async () => {
    const files: Record<string, Buffer> = { ...layoutOf([Buffer.alloc(1024)]) };
    // Each under the per-document cap (8 MiB), 180 MB in all.
    const big = Buffer.from('{"x":"' + 'a'.repeat(7.5 * 1024 * 1024) + '"}');
    for (let i = 0; i < 24; i++) files[`extra-${i}.json`] = big;
    const path = join(tmp, 'many-json.tar');
    writeFileSync(path, await archiveOf(files));
    const r = dsgMeasured(['measure', `docker-archive:${path}`, '--format', 'json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    // 180 MB of documents; the cap keeps at most 32 MiB of them, refused by their tar headers' sizes before a byte
    // is copied. Measured 99 MB (130-162 MB when each was copied in parts and refused once past the cap).
    expect(r.rssMb).toBeLessThan(130);
  });

  it('usage errors are one line (usage only on --help)', () => {
    const r = dsgMeasured(['measure', 'a', 'b']);
    expectOneLine(r, /measure takes one IMAGE, got 2/);
    const help = dsgMeasured(['measure', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: docker-size-guard measure');
  });

  it('leaves nothing behind in its temporary directory', () => {
    expect(readdirSync(tmp).filter((f) => f.startsWith('docker-size-guard-'))).toEqual([]);
  });
});

describe('hostile package databases (issue 11)', () => {
  async function measureLayers(name: string, layers: Buffer[]) {
    const path = join(tmp, `${name}.tar`);
    writeFileSync(path, await archiveOf(layoutOf(layers)));
    const r = dsgMeasured(['measure', `oci-archive:${path}`, '--format', 'json'], 120_000);
    rmSync(path);
    return r;
  }

  it('a 100 MB dpkg status is counted and skipped with one note, in bounded memory', async () => {
    const layer = await tarOf([
      { name: 'var/lib/dpkg/status', content: 100 * 1024 * 1024 },
      { name: 'var/lib/dpkg/info/x.list', content: '/etc/x\n' },
    ]);
    const r = await measureLayers('big-status', [layer]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as ImageReport;
    expect(report.packages!.ecosystems).toEqual([]);
    expect(report.packages!.notRead).toEqual([
      { ecosystem: 'deb', reason: '/var/lib/dpkg/status is 104857600 bytes, over the limit for a package database' },
    ]);
    expect(r.rssMb).toBeLessThan(160);
  });

  it('huge package counts, malformed stanzas and ../ paths in file lists and RECORDs: notes, never a crash', async () => {
    const stanzas = Array.from(
      { length: 120_000 },
      (_, i) => `Package: p${i}\nStatus: install ok installed\nVersion: 1`,
    );
    stanzas.splice(3, 0, 'garbage without a colon\n: empty name');
    const escapes = '../'.repeat(40) + 'etc/shadow\n';
    const layer = await tarOf([
      { name: 'var/lib/dpkg/status', content: stanzas.join('\n\n') },
      { name: 'var/lib/dpkg/info/p0.list', content: escapes.repeat(20_000) },
      {
        name: 'usr/lib/python3/dist-packages/evil-1.0.dist-info/RECORD',
        content: `${escapes.trim()},,\n`.repeat(5000),
      },
      { name: 'usr/lib/python3/dist-packages/evil-1.0.dist-info/METADATA', content: 'Name: evil\nVersion: 1.0\n' },
      { name: 'etc/shadow', content: 'not owned\n' },
    ]);
    const r = await measureLayers('many-packages', [layer]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const p = (JSON.parse(r.stdout) as ImageReport).packages!;
    const deb = p.ecosystems.find((e) => e.ecosystem === 'deb')!;
    expect(deb.packages).toHaveLength(50_000);
    expect(deb.notes).toEqual(
      expect.arrayContaining([
        'more than 50000 packages: read the first 50000',
        '2 malformed lines in the package database skipped',
        "20000 paths outside the image's root ignored",
      ]),
    );
    const py = p.ecosystems.find((e) => e.ecosystem === 'python')!;
    expect(py.packages).toMatchObject([{ name: 'evil', bytes: 0 }]);
    expect(py.notes).toEqual(["5000 paths outside the image's root ignored"]);
    // Every path named climbed above the root: none was looked up, so /etc/shadow and the rest stay unowned.
    for (const e of p.ecosystems) expect(e.unowned.bytes).toBe(p.finalBytes);
    // Measured 172 MB on Node 24 through the bin's shebang (217 MB when this bound was set, before the bin's malloc
    // settings; see the zstd bomb above for why Node 24 takes more than Node 20).
    expect(r.rssMb).toBeLessThan(210);
  });
});

describe('broken layer tars: refused where GNU tar refuses them, read where it reads them (issue 18 §12)', async () => {
  const whole = await tarOf([{ name: 'data.bin', content: 'x'.repeat(20_000) }]);
  // -16 in GNU base-256: the high bit set, then the two's complement in the 11 bytes after.
  const minus16 = Buffer.concat([Buffer.from([0xff]), Buffer.alloc(10, 0xff), Buffer.from([0xf0])]);
  const cases = [
    {
      name: 'a negative base-256 size',
      tar: Buffer.concat([tarHeader('neg', { sizeField: minus16 }), Buffer.alloc(1024)]),
      ok: false,
      error: /"neg" has an invalid size field/,
    },
    {
      name: 'a cut inside the first header',
      tar: whole.subarray(0, 330),
      ok: false,
      error: /ends inside a header \(330 bytes/,
    },
    {
      name: 'a cut inside the end-of-archive zeros',
      tar: whole.subarray(0, whole.length - 700),
      ok: true,
      error: null,
    },
  ];
  for (const c of cases) {
    it(`${c.name}: ${c.ok ? 'read' : 'refused'}, as GNU tar does, also zstd-compressed in an OCI layout`, async () => {
      const path = join(tmp, `${c.name.replace(/\W+/g, '-')}.tar`);
      writeFileSync(path, c.tar);
      const gnu = spawnSync('tar', ['-tvf', path], { encoding: 'utf8' });
      expect(gnu.status === 0, gnu.stderr).toBe(c.ok);
      const zstd = execFileSync('zstd', ['-q', '-c'], { input: c.tar });
      const archive = join(tmp, `${c.name.replace(/\W+/g, '-')}-oci.tar`);
      writeFileSync(
        archive,
        await archiveOf(
          layoutOf([zstd], { mediaType: 'application/vnd.oci.image.layer.v1.tar+zstd', diffIds: [c.tar] }),
        ),
      );
      const r = dsgMeasured(['measure', `docker-archive:${archive}`, '--format', 'json']);
      if (c.error) expectOneLine(r, c.error);
      else {
        expect(r.code, r.stderr).toBe(0);
        const report = JSON.parse(r.stdout) as ImageReport;
        expect(report.layers[0]!.contentBytes).toBe(20_000);
      }
    });
  }
});
