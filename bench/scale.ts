/**
 * The scale cases of issue 22, as OCI layouts written to disk (layers read from disk, no daemon): one gzip layer
 * with 1,000,000 empty files, and 12 layers that each write the same 100,000 one-byte files. The tar streams come
 * from tar-stream and are hashed and gzipped as they are written, so no layer is ever held in memory here.
 */
import { createHash } from 'node:crypto';
import { createWriteStream, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { pack } from 'tar-stream';

interface Blob {
  digest: string;
  size: number;
}

const hex = (h: ReturnType<typeof createHash>) => `sha256:${h.digest('hex')}`;

function counting(hash: ReturnType<typeof createHash>, count: { bytes: number; wake?: () => void }): Transform {
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      hash.update(chunk);
      count.bytes += chunk.length;
      count.wake?.();
      done(null, chunk);
    },
  });
}

/** tar-stream queues whatever it is given: the writer waits while more than this is not yet hashed. */
const AHEAD = 8 * 1024 * 1024;

function putBlob(dir: string, data: Buffer): Blob {
  const digest = `sha256:${createHash('sha256').update(data).digest('hex')}`;
  writeFileSync(join(dir, 'blobs/sha256', digest.slice(7)), data);
  return { digest, size: data.length };
}

/** A gzip layer of `files` regular files of `bytes` bytes each, 1,000 to a directory. Returns its blob and diff_id. */
async function writeLayer(dir: string, files: number, bytes: number): Promise<Blob & { diffId: string }> {
  const p = pack();
  const tarHash = createHash('sha256');
  const blobHash = createHash('sha256');
  const tarCount: { bytes: number; wake?: () => void } = { bytes: 0 };
  let queued = 0;
  const entry = async (header: Parameters<typeof p.entry>[0], body?: Buffer) => {
    if (body) p.entry(header, body);
    else p.entry(header);
    // A header block, the body padded to a block.
    queued += 512 + Math.ceil((body?.length ?? 0) / 512) * 512;
    while (queued - tarCount.bytes > AHEAD) await new Promise<void>((r) => (tarCount.wake = r));
  };
  const blobCount = { bytes: 0 };
  const tmp = join(dir, 'blobs/sha256/.partial');
  const written = pipeline(
    p,
    counting(tarHash, tarCount),
    createGzip({ level: 1 }),
    counting(blobHash, blobCount),
    createWriteStream(tmp),
  );
  const body = Buffer.alloc(bytes, 0x61);
  for (let d = 0; d * 1000 < files; d++) {
    const folder = `data/d${String(d).padStart(4, '0')}`;
    await entry({ name: folder, type: 'directory', mode: 0o755, mtime: new Date(0) });
    for (let f = d * 1000; f < Math.min(files, (d + 1) * 1000); f++)
      await entry({ name: `${folder}/file-${String(f).padStart(7, '0')}`, mode: 0o644, mtime: new Date(0) }, body);
  }
  p.finalize();
  await written;
  const digest = hex(blobHash);
  renameSync(tmp, join(dir, 'blobs/sha256', digest.slice(7)));
  return { digest, size: blobCount.bytes, diffId: hex(tarHash) };
}

/** Writes an OCI layout of `layers` layers (each `files` files of `bytes` bytes) into `dir`. */
export async function scaleLayout(dir: string, layers: number, files: number, bytes: number): Promise<void> {
  mkdirSync(join(dir, 'blobs/sha256'), { recursive: true });
  const written: (Blob & { diffId: string })[] = [];
  // The same tar every time: tar-stream writes the same bytes for the same entries.
  const one = await writeLayer(dir, files, bytes);
  for (let i = 0; i < layers; i++) written.push(one);
  const config = putBlob(
    dir,
    Buffer.from(
      JSON.stringify({
        architecture: 'amd64',
        os: 'linux',
        rootfs: { type: 'layers', diff_ids: written.map((l) => l.diffId) },
        history: written.map((_, i) => ({ created_by: `RUN write files # layer ${i}` })),
      }),
    ),
  );
  const manifest = putBlob(
    dir,
    Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config },
        layers: written.map((l) => ({
          mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip',
          digest: l.digest,
          size: l.size,
        })),
      }),
    ),
  );
  writeFileSync(
    join(dir, 'index.json'),
    JSON.stringify({
      schemaVersion: 2,
      manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', ...manifest }],
    }),
  );
  writeFileSync(join(dir, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
}

if (process.argv[1] === import.meta.filename) {
  const [dir, layers, files, bytes] = process.argv.slice(2);
  await scaleLayout(dir!, Number(layers), Number(files), Number(bytes));
}
