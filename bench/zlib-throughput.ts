/**
 * node --import tsx bench/zlib-throughput.ts IMAGE.tar: compresses every layer tar of a `docker save` archive with
 * zlib at the estimate's level, in the estimate's chunks, on this one thread, and prints the layers' bytes and the
 * MB/s of CPU time it took (JSON). The ceiling of one core for the estimate, on the same data.
 */
import { gzipSync } from 'node:zlib';
import { createReadStream } from 'node:fs';
import { extract } from 'tar-stream';
import { ESTIMATE_CHUNK_BYTES, ESTIMATE_GZIP_LEVEL } from '../src/measure/gzip-estimate.js';

const x = extract();
let bytes = 0;
let cpu = 0;
const chunk = Buffer.allocUnsafe(ESTIMATE_CHUNK_BYTES);
x.on('entry', (header, stream, next) => {
  // Layers are the archive's large members (the JSON documents are small; a layer under 1 MiB is left out).
  let filled = 0;
  const flush = () => {
    const start = process.cpuUsage();
    gzipSync(chunk.subarray(0, filled), { level: ESTIMATE_GZIP_LEVEL });
    const d = process.cpuUsage(start);
    cpu += (d.user + d.system) / 1e6;
    bytes += filled;
    filled = 0;
  };
  const isLayer = header.size > 1024 * 1024;
  stream.on('data', (data: unknown) => {
    const d = data as Buffer;
    if (!isLayer) return;
    for (let at = 0; at < d.length;) {
      const n = d.copy(chunk, filled, at);
      filled += n;
      at += n;
      if (filled === chunk.length) flush();
    }
  });
  stream.on('end', () => {
    if (isLayer && filled > 0) flush();
    next();
  });
});
x.on('finish', () => console.log(JSON.stringify({ bytes, mbPerSecond: bytes / 1e6 / cpu })));
createReadStream(process.argv[2]!).pipe(x);
