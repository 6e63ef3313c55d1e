/**
 * Builds image archives in code, in every layout the engine must read, so that unit tests know the truth:
 * tar lengths are the lengths of the buffers made here, content sums are sums of the sizes given here.
 */
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { gzipSync } from 'node:zlib';
import { pack, type Header, type Pack } from 'tar-stream';

export interface Spec {
  name: string;
  type?: Header['type'];
  /** Content for files; a number makes that many pseudo-random bytes. */
  content?: string | number;
  linkname?: string;
  pax?: Record<string, string>;
}

export function randomBytes(n: number, seed = 1): Buffer {
  const b = Buffer.alloc(n);
  let x = seed * 2654435761;
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    b[i] = x >>> 24;
  }
  return b;
}

async function packAll(write: (p: Pack) => Promise<void>): Promise<Buffer> {
  const p = pack();
  const collected = (async () => {
    const chunks: Buffer[] = [];
    for await (const c of p) chunks.push(c as Buffer);
    return Buffer.concat(chunks);
  })();
  await write(p);
  p.finalize();
  return collected;
}

export async function tarOf(specs: Spec[]): Promise<Buffer> {
  return packAll(async (p) => {
    for (const s of specs) {
      const type = s.type ?? 'file';
      const body =
        type === 'file'
          ? typeof s.content === 'number'
            ? randomBytes(s.content, s.name.length)
            : Buffer.from(s.content ?? '')
          : undefined;
      await new Promise<void>((resolve, reject) =>
        p.entry(
          {
            name: s.name,
            type,
            linkname: s.linkname,
            mode: type === 'directory' ? 0o755 : 0o644,
            mtime: new Date(0),
            pax: s.pax,
          },
          body ?? Buffer.alloc(0),
          (err) => (err ? reject(err) : resolve()),
        ),
      );
    }
  });
}

/** Regular-file bytes of a spec list: the contentBytes the engine must find. */
export function contentOf(specs: Spec[]): number {
  return specs
    .filter((s) => (s.type ?? 'file') === 'file')
    .reduce((n, s) => n + (typeof s.content === 'number' ? s.content : Buffer.byteLength(s.content ?? '')), 0);
}

export function sha256(b: Buffer | string): string {
  return 'sha256:' + createHash('sha256').update(b).digest('hex');
}
const hex = (d: string) => d.slice('sha256:'.length);

export function zstd(b: Buffer): Buffer {
  return execFileSync('zstd', ['-q', '-c', '-3'], { input: b, maxBuffer: 1 << 30 });
}

export interface ImageSpec {
  layers: Buffer[]; // uncompressed layer tars
  history?: { created_by: string; empty_layer?: boolean }[];
  platform?: { os: string; architecture: string; variant?: string };
  user?: string;
  tag?: string;
}

export function configOf(img: ImageSpec): Buffer {
  const p = img.platform ?? { os: 'linux', architecture: 'amd64' };
  return Buffer.from(
    JSON.stringify({
      ...p,
      created: '2026-01-01T00:00:00Z',
      config: { User: img.user ?? '' },
      rootfs: { type: 'layers', diff_ids: img.layers.map((l) => sha256(l)) },
      history: img.history ?? img.layers.map((_, i) => ({ created_by: `RUN /bin/sh -c step${i} # buildkit` })),
    }),
  );
}

type Entry = { name: string; data?: Buffer; linkname?: string; type?: Header['type'] };

export async function outerTar(entries: Entry[]): Promise<Buffer> {
  return packAll(async (p) => {
    for (const e of entries) {
      await new Promise<void>((resolve, reject) =>
        p.entry(
          { name: e.name, type: e.type ?? 'file', linkname: e.linkname, mtime: new Date(0) },
          e.data ?? Buffer.alloc(0),
          (err) => (err ? reject(err) : resolve()),
        ),
      );
    }
  });
}

/** Docker ≤ 24: `<id>/layer.tar`, a repeated layer as a symlink to the first copy, metadata last. */
export async function docker24Archive(img: ImageSpec): Promise<Buffer> {
  const config = configOf(img);
  const entries: Entry[] = [];
  const seen = new Map<string, string>();
  const layerPaths: string[] = [];
  img.layers.forEach((l, i) => {
    const id = hex(sha256(`v1-${i}-${sha256(l)}`));
    const first = seen.get(sha256(l));
    entries.push({ name: `${id}/VERSION`, data: Buffer.from('1.0') });
    entries.push({ name: `${id}/json`, data: Buffer.from('{}') });
    if (first) entries.push({ name: `${id}/layer.tar`, type: 'symlink', linkname: `../${first}/layer.tar` });
    else {
      entries.push({ name: `${id}/layer.tar`, data: l });
      seen.set(sha256(l), id);
    }
    layerPaths.push(`${id}/layer.tar`);
  });
  entries.push({ name: `${hex(sha256(config))}.json`, data: config });
  entries.push({
    name: 'manifest.json',
    data: Buffer.from(
      JSON.stringify([
        { Config: `${hex(sha256(config))}.json`, RepoTags: [img.tag ?? 'test:latest'], Layers: layerPaths },
      ]),
    ),
  });
  return outerTar(entries);
}

function manifestOf(config: Buffer, blobs: { digest: string; size: number; mediaType: string }[]): Buffer {
  return Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha256(config), size: config.length },
      layers: blobs,
    }),
  );
}

/** Docker ≥ 25 classic store: OCI layout with uncompressed blobs named by diff_id, plus manifest.json. */
export async function docker25Archive(img: ImageSpec): Promise<Buffer> {
  const config = configOf(img);
  const blobs = img.layers.map((l) => ({
    mediaType: 'application/vnd.oci.image.layer.v1.tar',
    digest: sha256(l),
    size: l.length,
  }));
  const manifest = manifestOf(config, blobs);
  const files = new Map<string, Buffer>();
  files.set(`blobs/sha256/${hex(sha256(config))}`, config);
  files.set(`blobs/sha256/${hex(sha256(manifest))}`, manifest);
  img.layers.forEach((l) => files.set(`blobs/sha256/${hex(sha256(l))}`, l));
  const entries: Entry[] = [...files.keys()].sort().map((name) => ({ name, data: files.get(name)! }));
  const tag = img.tag ?? 'test:latest';
  entries.push({
    name: 'index.json',
    data: Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        manifests: [
          {
            mediaType: 'application/vnd.oci.image.manifest.v1+json',
            digest: sha256(manifest),
            size: manifest.length,
            annotations: { 'io.containerd.image.name': `docker.io/library/${tag}` },
          },
        ],
      }),
    ),
  });
  entries.push({
    name: 'manifest.json',
    data: Buffer.from(
      JSON.stringify([
        {
          Config: `blobs/sha256/${hex(sha256(config))}`,
          RepoTags: [tag],
          Layers: img.layers.map((l) => `blobs/sha256/${hex(sha256(l))}`),
          LayerSources: Object.fromEntries(blobs.map((b) => [b.digest, b])),
        },
      ]),
    ),
  });
  entries.push({ name: 'oci-layout', data: Buffer.from('{"imageLayoutVersion":"1.0.0"}') });
  return outerTar(entries);
}

export type Codec = 'gzip' | 'zstd';

/**
 * An OCI layout (as an archive) with compressed blobs: one manifest per platform image, in an index that also lists
 * an attestation manifest, optionally nested one level deeper (as the containerd store saves it).
 */
export async function ociArchive(
  images: ImageSpec[],
  opts: { codec?: Codec; nested?: boolean; attestation?: boolean; mediaTypeLies?: boolean } = {},
): Promise<{ archive: Buffer; blobs: Map<string, Buffer>; compressed: Buffer[][]; index: Buffer }> {
  const files = new Map<string, Buffer>();
  const put = (b: Buffer) => {
    files.set(`blobs/sha256/${hex(sha256(b))}`, b);
    return sha256(b);
  };
  const descriptors: object[] = [];
  const compressed: Buffer[][] = [];
  for (const img of images) {
    const config = configOf(img);
    put(config);
    const codec = opts.codec ?? 'gzip';
    const zipped = img.layers.map((l) => (codec === 'gzip' ? gzipSync(l) : zstd(l)));
    compressed.push(zipped);
    // mediaTypeLies: say gzip for zstd blobs, as some tools do; the engine must sniff.
    const mediaType =
      codec === 'zstd' && !opts.mediaTypeLies
        ? 'application/vnd.oci.image.layer.v1.tar+zstd'
        : 'application/vnd.oci.image.layer.v1.tar+gzip';
    const manifest = manifestOf(
      config,
      zipped.map((z) => ({ mediaType, digest: put(z), size: z.length })),
    );
    descriptors.push({
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      digest: put(manifest),
      size: manifest.length,
      platform: img.platform ?? { os: 'linux', architecture: 'amd64' },
    });
  }
  if (opts.attestation) {
    const att = Buffer.from(JSON.stringify({ schemaVersion: 2, config: { digest: sha256('x'), size: 1 }, layers: [] }));
    descriptors.push({
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      digest: put(att),
      size: att.length,
      platform: { os: 'unknown', architecture: 'unknown' },
      annotations: { 'vnd.docker.reference.type': 'attestation-manifest' },
    });
  }
  let top: object[] = descriptors;
  if (opts.nested) {
    const index = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.index.v1+json',
        manifests: descriptors,
      }),
    );
    top = [
      {
        mediaType: 'application/vnd.oci.image.index.v1+json',
        digest: put(index),
        size: index.length,
        annotations: { 'io.containerd.image.name': 'docker.io/library/multi:latest' },
      },
    ];
  }
  const entries: Entry[] = [...files.keys()].sort().map((name) => ({ name, data: files.get(name)! }));
  const index = Buffer.from(JSON.stringify({ schemaVersion: 2, manifests: top }));
  entries.push({ name: 'index.json', data: index });
  entries.push({ name: 'oci-layout', data: Buffer.from('{"imageLayoutVersion":"1.0.0"}') });
  return { archive: await outerTar(entries), blobs: files, compressed, index };
}

/** kaniko's tarball: manifest.json naming `<digest>.tar.gz` layers. */
export async function kanikoArchive(img: ImageSpec): Promise<{ archive: Buffer; compressed: Buffer[] }> {
  const config = configOf(img);
  const zipped = img.layers.map((l) => gzipSync(l));
  const entries: Entry[] = zipped.map((z) => ({ name: `${hex(sha256(z))}.tar.gz`, data: z }));
  entries.push({ name: `sha256:${hex(sha256(config))}`, data: config });
  entries.push({
    name: 'manifest.json',
    data: Buffer.from(
      JSON.stringify([
        {
          Config: `sha256:${hex(sha256(config))}`,
          RepoTags: ['kaniko:latest'],
          Layers: zipped.map((z) => `${hex(sha256(z))}.tar.gz`),
        },
      ]),
    ),
  });
  return { archive: await outerTar(entries), compressed: zipped };
}

export async function* chunksOf(b: Buffer, size = 65536): AsyncGenerator<Buffer> {
  for (let i = 0; i < b.length; i += size) yield b.subarray(i, i + size);
}
