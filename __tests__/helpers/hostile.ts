/**
 * Hostile image layouts, made in code: each case is what an attacker (or a broken tool) could hand the CLI, and
 * the line the CLI must answer with. Shared by the hostile-input tests and the fuzzer.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { outerTar, sha256, tarOf } from './archives.js';

const hex = (d: string) => d.slice('sha256:'.length);

/** A raw ustar header, so that sizes and types no library would write can be written. */
export function tarHeader(name: string, opts: { size?: bigint; type?: string; sizeField?: Buffer } = {}): Buffer {
  const h = Buffer.alloc(512);
  h.write(name, 0, 100, 'latin1');
  h.write('0000644\0', 100, 'latin1');
  h.write('0000000\0', 108, 'latin1');
  h.write('0000000\0', 116, 'latin1');
  if (opts.sizeField) opts.sizeField.copy(h, 124);
  else {
    const size = opts.size ?? 0n;
    if (size < 8n ** 11n) h.write(size.toString(8).padStart(11, '0') + '\0', 124, 'latin1');
    else {
      // GNU base-256: high bit set, big-endian in the 12 bytes.
      let v = size;
      for (let i = 135; i > 124; i--) {
        h[i] = Number(v & 0xffn);
        v >>= 8n;
      }
      h[124] = 0x80;
    }
  }
  h.write('00000000000\0', 136, 'latin1');
  h.write(opts.type ?? '0', 156, 'latin1');
  h.write('ustar\x0000', 257, 'latin1');
  h.fill(' ', 148, 156);
  let sum = 0;
  for (const b of h) sum += b;
  h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 'latin1');
  return h;
}

export interface Files {
  [path: string]: Buffer | string;
}

export function configFor(layers: Buffer[], extra: Record<string, unknown> = {}): Buffer {
  return Buffer.from(
    JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      rootfs: { type: 'layers', diff_ids: layers.map((l) => sha256(l)) },
      history: layers.map((_, i) => ({ created_by: `RUN step${i}` })),
      ...extra,
    }),
  );
}

/**
 * A Docker ≥ 25 style layout (OCI index + manifest.json) from raw layer bytes: every digest right, unless the
 * caller overrides documents afterwards.
 */
export function layoutOf(
  layers: Buffer[],
  opts: { config?: Buffer; diffIds?: Buffer[]; mediaType?: string } = {},
): Record<string, Buffer> {
  const config = opts.config ?? configFor(opts.diffIds ?? layers);
  const files: Record<string, Buffer> = {};
  const put = (b: Buffer) => {
    files[`blobs/sha256/${hex(sha256(b))}`] = b;
    return sha256(b);
  };
  const configDigest = put(config);
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: configDigest, size: config.length },
      layers: layers.map((l) => ({
        mediaType: opts.mediaType ?? 'application/vnd.oci.image.layer.v1.tar',
        digest: put(l),
        size: l.length,
      })),
    }),
  );
  const manifestDigest = put(manifest);
  files['index.json'] = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      manifests: [
        { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: manifestDigest, size: manifest.length },
      ],
    }),
  );
  files['oci-layout'] = Buffer.from('{"imageLayoutVersion":"1.0.0"}');
  return files;
}

export async function archiveOf(files: Files): Promise<Buffer> {
  return outerTar(Object.entries(files).map(([name, data]) => ({ name, data: Buffer.from(data) })));
}

/** A Docker ≤ 24 style archive whose manifest.json and config are given as they are. */
export async function docker24Of(manifest: unknown, config: unknown, layer?: Buffer): Promise<Buffer> {
  const files: Files = { 'manifest.json': JSON.stringify(manifest), 'cfg.json': JSON.stringify(config) };
  if (layer) files['l/layer.tar'] = layer;
  return archiveOf(files);
}

export interface HostileCase {
  name: string;
  /** Writes the input under `dir`; returns the CLI's image argument. */
  make(dir: string): Promise<string>;
  /** What the one error line must say (after `error: `). */
  error: RegExp;
}

const okLayer = () => tarOf([{ name: 'etc/hello', content: 'hello\n' }]);

async function archiveCase(name: string, files: () => Promise<Files> | Files, error: RegExp): Promise<HostileCase> {
  return {
    name,
    error,
    async make(dir) {
      const path = join(dir, `${name.replace(/[^a-z0-9]+/gi, '-')}.tar`);
      writeFileSync(path, await archiveOf(await files()));
      return `docker-archive:${path}`;
    },
  };
}

/** Every hostile input of issue 9 §10–§13 and §15 that an archive or a layout can carry. */
export async function hostileCases(): Promise<HostileCase[]> {
  const good = await okLayer();
  const goodConfig = JSON.parse(configFor([good]).toString()) as Record<string, unknown>;
  const docker24 =
    (manifest: unknown, config: unknown = goodConfig) =>
    async () => ({
      'manifest.json': JSON.stringify(manifest),
      'cfg.json': JSON.stringify(config),
      'l/layer.tar': good,
    });
  const item = { Config: 'cfg.json', RepoTags: ['x:1'], Layers: ['l/layer.tar'] };
  const cases: Promise<HostileCase>[] = [
    // §10: a layer that ends inside a file's data; entries that declare absurd sizes.
    archiveCase(
      'truncated layer',
      () => layoutOf([Buffer.concat([tarHeader('big', { size: 4096n }), Buffer.alloc(1024, 7)])]),
      /layer|truncated|unreadable/,
    ),
    archiveCase(
      '8 GiB entry',
      () => layoutOf([Buffer.concat([tarHeader('big', { size: 8n << 30n }), Buffer.alloc(1024)])]),
      /layer|truncated|unreadable/,
    ),
    archiveCase(
      '2^62 entry',
      () => layoutOf([Buffer.concat([tarHeader('big', { size: 1n << 62n }), Buffer.alloc(1024)])]),
      /layer|truncated|unreadable/,
    ),
    archiveCase(
      'pax size 1e20',
      () => {
        const pax = Buffer.from('30 size=100000000000000000000\n'.padEnd(512, '\0')); // a well-formed record: 30 bytes
        return layoutOf([
          Buffer.concat([
            tarHeader('PaxHeader', { size: 30n, type: 'x' }),
            pax,
            tarHeader('big', { size: 10n }),
            Buffer.alloc(1024),
          ]),
        ]);
      },
      /layer|truncated|unreadable/,
    ),
    // §11: wrong JSON types anywhere.
    archiveCase('manifest.json [1]', docker24([1]), /manifest\.json: \[0\]: /),
    archiveCase('manifest.json [null]', docker24([null]), /manifest\.json: \[0\]: /),
    archiveCase('Config not a string', docker24([{ ...item, Config: 5 }]), /manifest\.json: \[0\]\.Config: /),
    archiveCase('Layers null', docker24([{ ...item, Layers: null }]), /manifest\.json: \[0\]\.Layers: /),
    archiveCase('RepoTags a string', docker24([{ ...item, RepoTags: 'x' }]), /manifest\.json: \[0\]\.RepoTags: /),
    archiveCase(
      'history entries not objects',
      docker24([item], { ...goodConfig, history: [1, 'x'] }),
      /cfg\.json: history\[0\]: /,
    ),
    archiveCase(
      'created_by a number',
      docker24([item], { ...goodConfig, history: [{ created_by: 5 }] }),
      /cfg\.json: history\[0\]\.created_by: /,
    ),
    archiveCase('User a number', docker24([item], { ...goodConfig, config: { User: 5 } }), /cfg\.json: config\.User: /),
    archiveCase(
      'diff_ids not digests',
      docker24([item], { ...goodConfig, rootfs: { diff_ids: [5] } }),
      /cfg\.json: rootfs\.diff_ids\[0\]: /,
    ),
    archiveCase(
      'descriptor with a numeric digest',
      () => ({ ...layoutOf([good]), 'index.json': JSON.stringify({ manifests: [{ digest: 5, size: 1 }] }) }),
      /index\.json: manifests\[0\]\.digest: /,
    ),
    archiveCase(
      'manifests [null]',
      () => ({ ...layoutOf([good]), 'index.json': '{"manifests":[null]}' }),
      /index\.json: manifests\[0\]: /,
    ),
    archiveCase(
      'descriptor with a negative size',
      () => ({
        ...layoutOf([good]),
        'index.json': JSON.stringify({ manifests: [{ digest: sha256('x'), size: -5e15 }] }),
      }),
      /index\.json: manifests\[0\]\.size: /,
    ),
    archiveCase(
      'manifest without config',
      () => {
        const m = Buffer.from(JSON.stringify({ schemaVersion: 2, layers: [] }));
        return {
          [`blobs/sha256/${hex(sha256(m))}`]: m,
          'index.json': JSON.stringify({ manifests: [{ digest: sha256(m), size: m.length }] }),
        };
      },
      /: config: /,
    ),
    archiveCase(
      'index.json not JSON',
      () => ({ ...layoutOf([good]), 'index.json': '{"manifests": [' }),
      /index\.json: not JSON/,
    ),
    // §12: fan-out of one index listed many times.
    archiveCase(
      'index fan-out',
      () => {
        const leaf = Buffer.from(JSON.stringify({ manifests: [] }));
        const d = { mediaType: 'application/vnd.oci.image.index.v1+json', digest: sha256(leaf), size: leaf.length };
        const mid = Buffer.from(JSON.stringify({ manifests: Array(1000).fill(d) }));
        const dm = { mediaType: 'application/vnd.oci.image.index.v1+json', digest: sha256(mid), size: mid.length };
        return {
          [`blobs/sha256/${hex(sha256(leaf))}`]: leaf,
          [`blobs/sha256/${hex(sha256(mid))}`]: mid,
          'index.json': JSON.stringify({ manifests: Array(1000).fill(dm) }),
        };
      },
      /no image manifest|not an image/,
    ),
    // §15: digests that lie.
    archiveCase(
      'diff_ids that do not match the layers',
      () => layoutOf([good], { diffIds: [Buffer.from('other')] }),
      /does not match the config's diff_id/,
    ),
    archiveCase(
      'a blob that does not match its digest',
      () => {
        const files = layoutOf([good]);
        const key = Object.keys(files).find((k) => files[k] === good)!;
        files[key] = Buffer.concat([good.subarray(0, 600), Buffer.from('X'), good.subarray(601)]);
        return files;
      },
      /does not match its digest/,
    ),
    archiveCase(
      'a config that does not match its digest',
      () => {
        const files = layoutOf([good]);
        const config = configFor([good]);
        const key = Object.keys(files).find((k) => files[k]!.equals(config))!;
        files[key] = Buffer.from(config.toString().replace('amd64', 'arm64'));
        return files;
      },
      /does not match its digest/,
    ),
  ];
  const special: HostileCase[] = [
    {
      name: 'a FIFO as the archive',
      error: /not a regular file/,
      async make(dir) {
        const p = join(dir, 'fifo');
        execFileSync('mkfifo', [p]);
        return `docker-archive:${p}`;
      },
    },
    { name: '/dev/zero as the archive', error: /not a regular file/, make: async () => 'docker-archive:/dev/zero' },
    {
      name: 'an OCI layout whose digest climbs out',
      error: /index\.json: manifests\[0\]\.digest: /,
      async make(dir) {
        const d = join(dir, 'climb');
        mkdirSync(join(d, 'blobs/sha256'), { recursive: true });
        writeFileSync(
          join(d, 'index.json'),
          JSON.stringify({ manifests: [{ digest: 'sha256:../../../../dev/zero', size: 1 }] }),
        );
        return `oci:${d}`;
      },
    },
    {
      name: 'an OCI layout whose blob is a symlink out of it',
      error: /leads outside the layout/,
      async make(dir) {
        const d = join(dir, 'symlinked');
        const files = layoutOf([good]);
        for (const [p, b] of Object.entries(files)) {
          mkdirSync(join(d, p, '..'), { recursive: true });
          if (b === good) symlinkSync('/dev/zero', join(d, p));
          else writeFileSync(join(d, p), b);
        }
        return `oci:${d}`;
      },
    },
    {
      name: 'an OCI layout whose blobs directory is a symlink out of it',
      error: /leads outside the layout/,
      async make(dir) {
        const outside = join(dir, 'outside-blobs');
        const d = join(dir, 'blobs-link');
        const files = layoutOf([good]);
        for (const [p, b] of Object.entries(files)) {
          const target = p.startsWith('blobs/') ? join(outside, p.slice('blobs/'.length)) : join(d, p);
          mkdirSync(join(target, '..'), { recursive: true });
          writeFileSync(target, b);
        }
        symlinkSync(outside, join(d, 'blobs'));
        return `oci:${d}`;
      },
    },
  ];
  return [...(await Promise.all(cases)), ...special];
}

/** A layer of one file of `gib` GiB of zeros, zstd-compressed to a few hundred KB (GNU tar reads a sparse file). */
export function zstdBomb(dir: string, gib: number): Buffer {
  const src = join(dir, `bomb-${gib}`);
  mkdirSync(src, { recursive: true });
  execFileSync('truncate', ['-s', `${gib}G`, join(src, 'zeros')]);
  return execFileSync('sh', ['-c', `tar -C '${src}' -cf - zeros | zstd -q -1 -c`], { maxBuffer: 1 << 30 });
}

export function gzipped(b: Buffer): Buffer {
  return gzipSync(b);
}
