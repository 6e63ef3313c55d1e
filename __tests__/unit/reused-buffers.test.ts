import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { inflating } from '../../src/formats/compression.js';
import { analyzeLayer, type AnalyzeOptions } from '../../src/measure/layer.js';
import { TarScanner, type TarEntryHeader } from '../../src/formats/tar-scan.js';
import { measuringLayers } from '../../src/measure/layer-cache.js';
import { readArchive } from '../../src/sources/archive.js';
import {
  chunksOf,
  docker25Archive,
  ociArchive,
  randomBytes,
  sha256,
  tarOf,
  zstd,
  type Spec,
} from '../helpers/archives.js';

/**
 * The daemon's save and archive files are read into one reused buffer: every stage must be done with a chunk when
 * its write returns. These feeds overwrite the buffer with garbage right after each write, in odd sizes that cut
 * through headers and blocks, and the results must equal what fresh chunks give.
 */
function* reusedFeed(data: Buffer, seed = 7, most = 70_001): Generator<Buffer> {
  const buffer = Buffer.alloc(most);
  let offset = 0;
  let x = seed;
  while (offset < data.length) {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    const size = Math.min(1 + (x % buffer.length), data.length - offset);
    data.copy(buffer, 0, offset, offset + size);
    yield buffer.subarray(0, size);
    buffer.fill(0xa5); // what the next read would do to it
    offset += size;
  }
}

async function* reusedChunks(data: Buffer): AsyncGenerator<Buffer> {
  yield* reusedFeed(data);
}

const STATUS = 'Package: a\nStatus: install ok installed\nVersion: 1\n\n';
const specs: Spec[] = [
  { name: 'etc/', type: 'directory' },
  { name: 'etc/passwd', content: 'root:x:0:0::/root:/bin/sh\n' },
  { name: 'bin/tool', content: 300_000 },
  { name: 'bin/link', type: 'symlink', linkname: 'tool' },
  { name: 'bin/hard', type: 'link', linkname: 'bin/tool' },
  { name: 'app/' + 'long-directory-name/'.repeat(10) + 'file.bin', content: 5000 }, // pax path
  { name: 'var/lib/dpkg/status', content: STATUS },
  { name: 'empty', content: '' },
];

function scan(feed: Iterable<Buffer>): { headers: TarEntryHeader[]; bodies: Map<string, Buffer> } {
  const headers: TarEntryHeader[] = [];
  const bodies = new Map<string, Buffer>();
  const scanner = new TarScanner((h) => {
    headers.push(h);
    if (h.type !== 'file') return null;
    const parts: Buffer[] = [];
    return { write: (c) => void parts.push(Buffer.from(c)), end: () => bodies.set(h.name, Buffer.concat(parts)) };
  });
  for (const chunk of feed) scanner.write(chunk);
  scanner.end();
  return { headers, bodies };
}

const options: AnalyzeOptions = { files: true, estimate: true, keepEntries: true, hash: true };

describe('synchronous stages on a reused buffer', () => {
  it('tar scanner: every header and body, whatever the read sizes', async () => {
    const tar = await tarOf(specs);
    const { headers, bodies } = scan(reusedFeed(tar));
    expect(headers.map((h) => [h.name, h.type, h.size, h.linkname])).toEqual([
      ['etc/', 'directory', 0, ''],
      ['etc/passwd', 'file', 26, ''],
      ['bin/tool', 'file', 300_000, ''],
      ['bin/link', 'symlink', 0, 'tool'],
      ['bin/hard', 'link', 0, 'bin/tool'],
      [specs[5]!.name, 'file', 5000, ''],
      ['var/lib/dpkg/status', 'file', Buffer.byteLength(STATUS), ''],
      ['empty', 'file', 0, ''],
    ]);
    // The bodies, byte for byte, against what the spec generated.
    expect(sha256(bodies.get('bin/tool')!)).toBe(sha256(randomBytes(300_000, 'bin/tool'.length)));
    expect(bodies.get('etc/passwd')!.toString()).toBe('root:x:0:0::/root:/bin/sh\n');
    expect(bodies.get('empty')!.length).toBe(0);
  });

  it('tar scanner: reads that end inside headers (many small entries, small reads)', async () => {
    const many: Spec[] = Array.from({ length: 400 }, (_, i) => ({ name: `f/${i}`, content: 'x'.repeat(i % 700) }));
    const tar = await tarOf(many);
    const { headers, bodies } = scan(reusedFeed(tar, 3, 1500));
    expect(headers.map((h) => [h.name, h.size])).toEqual(many.map((m) => [m.name, (m.content as string).length]));
    for (const m of many) expect(bodies.get(m.name)!.toString()).toBe(m.content);
  });

  it("tar scanner: Docker's whiteouts with a stray link name are entries; a body with one is an error", async () => {
    const tar = await tarOf([
      { name: 'usr/lib/.wh.gone', content: '', linkname: 'tmp/debs' }, // as dockerd writes them
      { name: 'usr/lib/kept', content: 'abc' },
    ]);
    const { headers, bodies } = scan(reusedFeed(tar));
    expect(headers.map((h) => [h.name, h.type, h.size])).toEqual([
      ['usr/lib/.wh.gone', 'file', 0],
      ['usr/lib/kept', 'file', 3],
    ]);
    expect(bodies.get('usr/lib/kept')!.toString()).toBe('abc');
    const withBody = await tarOf([{ name: 'usr/lib/odd', content: 'x'.repeat(600), linkname: 'elsewhere' }]);
    expect(() => scan([withBody])).toThrow(/linkpath forbidden/);
  });

  it('tar scanner: an empty tar is no entries; a truncated or corrupt one is an error', async () => {
    expect(scan([Buffer.alloc(1024)]).headers).toEqual([]);
    const tar = await tarOf(specs);
    expect(() => scan(reusedFeed(tar.subarray(0, 200_000)))).toThrow(/truncated/i);
    const corrupt = Buffer.from(tar);
    corrupt[512 * 3 + 10] ^= 0xff; // inside the third header block: its checksum no longer matches
    expect(() => scan([corrupt])).toThrow(/checksum/i);
  });

  it('gzip (several members) and zstd: the same bytes out as went in', async () => {
    const data = randomBytes(600_000, 3);
    const gz = Buffer.concat([gzipSync(data.subarray(0, 250_000)), gzipSync(data.subarray(250_000))]);
    for (const [codec, packed] of [
      ['gzip', gz],
      ['zstd', zstd(data)],
    ] as const) {
      const parts: Buffer[] = [];
      let ended = false;
      const sink = inflating(codec, { write: (c) => void parts.push(Buffer.from(c)), end: () => (ended = true) });
      for (const c of reusedFeed(packed)) sink.write(c);
      sink.end();
      expect(ended).toBe(true);
      expect(sha256(Buffer.concat(parts))).toBe(sha256(data));
    }
  });

  it('gzip cut short fails at its end, and a corrupt one where it breaks; each piece is handed on before the next', () => {
    const data = randomBytes(2_000_000, 5);
    const gz = gzipSync(data);
    const sink = (pieces: Buffer[]) => ({ write: (c: Buffer) => void pieces.push(c), end: () => {} });
    const cut = inflating('gzip', sink([]));
    for (const c of reusedFeed(gz.subarray(0, gz.length - 100))) cut.write(c);
    expect(() => cut.end()).toThrow('zlib: unexpected end of file');
    const bad = Buffer.from(gz);
    bad[5000] ^= 0xff;
    const broken = inflating('gzip', sink([]));
    expect(() => {
      for (const c of reusedFeed(bad)) broken.write(c);
      broken.end();
    }).toThrow(/^zlib: /);
    // The pieces are views of one reused buffer: a consumer that keeps one must copy it.
    const pieces: Buffer[] = [];
    const whole = inflating('gzip', sink(pieces));
    whole.write(gz);
    whole.end();
    expect(pieces.length).toBeGreaterThan(1);
    expect(new Set(pieces.map((p) => p.buffer)).size).toBe(1);
  });

  it('a layer: the same stats from reused chunks as from fresh ones (digests, entries, estimate, captures)', async () => {
    const tar = await tarOf(specs);
    const budget = () => ({ ...options, captureBudget: { remaining: 1 << 20 } });
    for (const blob of [tar, gzipSync(tar), zstd(tar)]) {
      const fresh = await analyzeLayer(chunksOf(blob, 65536), budget());
      const reused = await analyzeLayer(reusedChunks(blob), budget());
      expect(reused).toEqual(fresh);
      expect(reused.blobDigest).toBe(sha256(blob));
      expect(reused.diffDigest).toBe(sha256(tar));
      expect(reused.uncompressedBytes).toBe(tar.length);
      expect(reused.captured!.map((c) => [c.path, c.body?.toString()])).toEqual([['/var/lib/dpkg/status', STATUS]]);
    }
  });

  it('an archive: the same contents from reused chunks as from fresh ones', async () => {
    const layers = [await tarOf(specs), await tarOf([{ name: 'app/big', content: 2_000_000 }])];
    const archives = [await docker25Archive({ layers }), (await ociArchive([{ layers }], { codec: 'gzip' })).archive];
    for (const archive of archives) {
      const o = { what: 'test', verify: true, layers: measuringLayers(options) };
      const fresh = await readArchive(chunksOf(archive, 65536), o);
      const reused = await readArchive(reusedChunks(archive), o);
      expect([...reused.layers]).toEqual([...fresh.layers]);
      expect([...reused.documents]).toEqual([...fresh.documents]);
      expect(reused.layers.size).toBe(2);
      for (const stats of reused.layers.values()) expect(stats.diffDigest).toMatch(/^sha256:/);
      expect([...reused.layers.values()].map((s) => s.diffDigest).sort()).toEqual(layers.map(sha256).sort());
    }
  });

  it('an archive: documents are kept byte for byte, and refused by their size past their limits', async () => {
    const MiB = 1024 * 1024;
    const doc = (bytes: number, fill: string) => '{"x":"' + fill.repeat(bytes - 8) + '"}';
    const docs: [string, string][] = [
      ['huge.json', doc(8 * MiB + 1, 'h')], // past the per-document limit
      ...['a', 'b', 'c', 'd'].map((c): [string, string] => [`${c}.json`, doc(7.5 * MiB, c)]), // 30 MiB together
      ['e.json', doc(3 * MiB, 'e')], // past the 2 MiB the total leaves
      ['f.json', doc(MiB, 'f')], // fits in it
    ];
    const archive = await tarOf(docs.map(([name, content]) => ({ name, content })));
    const contents = await readArchive(reusedChunks(archive), {
      what: 'test',
      verify: false,
      layers: measuringLayers(options),
    });
    expect([...contents.documents.keys()]).toEqual(['a.json', 'b.json', 'c.json', 'd.json', 'f.json']);
    for (const [name, content] of docs.filter(([n]) => contents.documents.has(n)))
      expect(sha256(contents.documents.get(name)!)).toBe(sha256(Buffer.from(content)));
    expect(Object.fromEntries(contents.unreadable)).toEqual({
      'huge.json': `huge.json is larger than ${8 * MiB} bytes`,
      'e.json': `e.json is larger than ${2 * MiB} bytes`,
    });
    expect(contents.documentBytes).toBe(31 * MiB);
  });
});
