import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compare } from '../../src/compare/compare.js';
import { measureImage } from '../../src/engine.js';
import { NO_RULES } from '../../src/model/comparison.js';
import type { ImageReport } from '../../src/model/image-report.js';
import { randomBytes } from '../helpers/archives.js';
import { CLASSIC, buildx, daemonFor, docker, gnuTarListing, requireDaemons } from '../helpers/docker.js';

const ready = requireDaemons(CLASSIC);
const TAG = `dsg-packages-${process.pid}`;
const tmp = mkdtempSync(join(tmpdir(), 'dsg-packages-'));

/** A .deb made by dpkg-deb itself, with files of the given sizes (what the test knows to be the truth). */
function deb(dir: string, name: string, version: string, files: Record<string, number>): void {
  const root = join(tmp, `${name}-${version}`);
  mkdirSync(join(root, 'DEBIAN'), { recursive: true });
  const total = Object.values(files).reduce((s, n) => s + n, 0);
  writeFileSync(
    join(root, 'DEBIAN/control'),
    `Package: ${name}\nVersion: ${version}\nArchitecture: all\nMaintainer: test <t@example.invalid>\nInstalled-Size: ${Math.ceil(total / 1024)}\nDescription: docker-size-guard test package\n`,
  );
  let seed = version.length + name.length;
  for (const [path, size] of Object.entries(files)) {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), randomBytes(size, seed++));
  }
  mkdirSync(dir, { recursive: true });
  execFileSync('dpkg-deb', ['--root-owner-group', '--build', root, join(dir, `${name}_${version}_all.deb`)], {
    stdio: 'ignore',
  });
}

const TOOL_1 = { 'usr/lib/dsg-tool/data.bin': 300_000, 'usr/bin/dsg-tool': 5_000 };
const TOOL_2 = {
  'usr/lib/dsg-tool/data.bin': 450_000,
  'usr/bin/dsg-tool': 5_000,
  'usr/share/dsg-tool/new.bin': 100_000,
};
const EXTRA = { 'usr/lib/dsg-extra/blob.bin': 700_000 };
const ADDED = { 'opt/dsg-added/x.bin': 200_000 };
const sum = (files: Record<string, number>) => Object.values(files).reduce((s, n) => s + n, 0);

// Packages installed in one layer; in the PR's image a later layer purges one, upgrades another from a local
// .deb and installs a third, as dpkg does it.
const DOCKERFILE = `FROM debian:bookworm-slim AS base
COPY debs1/ /tmp/debs/
RUN dpkg -i /tmp/debs/*.deb && rm -rf /tmp/debs
FROM base AS head
COPY debs2/ /tmp/debs/
RUN dpkg --purge dsg-extra && dpkg -i /tmp/debs/*.deb && rm -rf /tmp/debs
`;

const reports: Record<string, ImageReport> = {};

/**
 * What dpkg itself says inside the container: installed packages, versions, Installed-Size, and the bytes of the
 * regular files each one lists (a hard-linked file once, as a layer stores it once).
 */
function dpkgInContainer(image: string): Map<string, { version: string; installedSize: number; bytes: number }> {
  const script = `
dpkg-query -W -f='\${db:Status-Abbrev}|\${Package}|\${Version}|\${Installed-Size}\\n' | while IFS='|' read -r st p v s; do
  case "$st" in ii*) ;; *) continue;; esac
  b=$(dpkg-query -L "$p" | xargs -d '\\n' stat -c '%F|%s|%i' 2>/dev/null | awk -F'|' '$1 ~ /^regular/ && !seen[$3]++ {t += $2} END {print t + 0}')
  echo "$p|$v|$s|$b"
done`;
  const out = docker(CLASSIC, ['run', '--rm', '--network=none', image, 'sh', '-c', script]);
  const m = new Map<string, { version: string; installedSize: number; bytes: number }>();
  for (const line of out.trim().split('\n')) {
    const [p, v, s, b] = line.split('|');
    m.set(p!, { version: v!, installedSize: Number(s), bytes: Number(b) });
  }
  return m;
}

describe.runIf(ready)('packages of real images (dpkg, classic store)', () => {
  beforeAll(async () => {
    deb(join(tmp, 'ctx/debs1'), 'dsg-tool', '1.0', TOOL_1);
    deb(join(tmp, 'ctx/debs1'), 'dsg-extra', '1.0', EXTRA);
    deb(join(tmp, 'ctx/debs2'), 'dsg-tool', '2.0', TOOL_2);
    deb(join(tmp, 'ctx/debs2'), 'dsg-added', '1.0', ADDED);
    writeFileSync(join(tmp, 'ctx/Dockerfile'), DOCKERFILE);
    for (const target of ['base', 'head']) {
      buildx(CLASSIC, join(tmp, 'ctx'), ['--load', '--target', target, '-t', `${TAG}:${target}`]);
      reports[target] = await measureImage(`docker-daemon:${TAG}:${target}`, {
        files: true,
        compressedEstimate: false,
        daemon: daemonFor(CLASSIC),
      });
    }
  }, 300_000);

  afterAll(() => {
    try {
      docker(CLASSIC, ['rmi', '-f', `${TAG}:base`, `${TAG}:head`]);
    } catch {
      /* already gone */
    }
    rmSync(tmp, { recursive: true, force: true });
  });

  it('finds every installed package with the version, Installed-Size and file bytes dpkg reports in the container', () => {
    for (const target of ['base', 'head']) {
      const truth = dpkgInContainer(`${TAG}:${target}`);
      const deb = reports[target]!.packages!.ecosystems.find((e) => e.ecosystem === 'deb')!;
      expect(deb.packages.map((p) => p.name).sort()).toEqual([...truth.keys()].sort());
      for (const p of deb.packages) {
        const t = truth.get(p.name)!;
        expect(p.version, p.name).toBe(t.version);
        expect(p.declaredBytes, p.name).toBe(t.installedSize * 1024);
        expect(p.bytes, p.name).toBe(t.bytes);
      }
      expect(deb.notes).toEqual([]);
    }
  });

  it("measures the final filesystem's bytes as GNU tar lists them in the container's export", () => {
    for (const target of ['base', 'head']) {
      const id = docker(CLASSIC, ['create', `${TAG}:${target}`]).trim();
      const tar = join(tmp, `${target}.tar`);
      try {
        docker(CLASSIC, ['export', '-o', tar, id]);
      } finally {
        docker(CLASSIC, ['rm', id]);
      }
      // The engine adds these to every container; they are not the image's.
      const mounts = new Set(['.dockerenv', 'etc/hosts', 'etc/hostname', 'etc/resolv.conf']);
      const exported = gnuTarListing(tar)
        .filter((e) => e.type === '-' && !mounts.has(e.name.replace(/^\.?\//, '')))
        .reduce((s, e) => s + e.size, 0);
      const inv = reports[target]!.packages!;
      const ours = [...mounts].reduce(
        (s, p) =>
          s - (reports[target]!.contents!.layers.flatMap((l) => [...l]).find((e) => e.path === `/${p}`)?.size ?? 0),
        inv.finalBytes,
      );
      expect(ours).toBe(exported);
    }
  });

  it('says which packages the PR removed, upgraded and added, with their exact bytes and layer', () => {
    const c = compare(reports.base!, reports.head!, NO_RULES);
    const deb = c.packages!.ecosystems.find((e) => e.ecosystem === 'deb')!;
    const by = new Map(deb.changes.map((x) => [x.name, x]));
    expect(by.get('dsg-extra')).toMatchObject({
      kind: 'removed',
      baseVersion: '1.0',
      headVersion: null,
      delta: -sum(EXTRA),
    });
    expect(by.get('dsg-tool')).toMatchObject({
      kind: 'upgraded',
      baseVersion: '1.0',
      headVersion: '2.0',
      delta: sum(TOOL_2) - sum(TOOL_1),
    });
    expect(by.get('dsg-added')).toMatchObject({ kind: 'added', delta: sum(ADDED), side: 'head' });
    const last = reports.head!.layerCount - 1;
    expect(by.get('dsg-added')!.layer).toBe(last);
    expect(by.get('dsg-added')!.instruction).toMatch(/dpkg --purge dsg-extra/);
    // The changes and the unowned line add up to the final filesystem's change, which the file-level diff
    // (another module, from the same entries) finds too.
    const total = deb.changes.reduce((s, x) => s + x.delta, 0) + deb.unowned.delta;
    expect(total).toBe(reports.head!.packages!.finalBytes - reports.base!.packages!.finalBytes);
    expect(total).toBe(c.files!.added.bytes - c.files!.removed.bytes);
    expect(deb.counts).toMatchObject({ added: 1, removed: 1, upgraded: 1 });
  });
});
