/**
 * A deterministic fuzzer for the archive readers: valid archives in every layout, then truncated, bit-flipped,
 * type-confused (a JSON value swapped for another type), or given absurd tar sizes. Each case must end in a report
 * or a one-line UserError, within its time limit; anything else (a crash, another error type, a hang) is a
 * failure. Shared by the suite (a few hundred cases) and `npm run fuzz` (as many as asked).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { measureImage } from '../../src/engine.js';
import { UserError } from '../../src/errors.js';
import { docker24Archive, docker25Archive, ociArchive, tarOf, type Spec } from './archives.js';
import { archiveOf, tarHeader } from './hostile.js';

/** mulberry32: small, fast and the same everywhere. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const CONFUSIONS: unknown[] = [null, 0, -1, 1e308, 'x', '', true, [], {}, [null], { a: 1 }, 'sha256:../../etc/passwd'];

/** Replaces one value somewhere in a JSON document with a value of another type. */
function confuse(doc: unknown, r: () => number): unknown {
  const paths: (string | number)[][] = [];
  const walk = (v: unknown, path: (string | number)[]) => {
    paths.push(path);
    if (Array.isArray(v)) v.forEach((x, i) => walk(x, [...path, i]));
    else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, [...path, k]);
  };
  walk(doc, []);
  const path = paths[Math.floor(r() * paths.length)]!;
  const value = CONFUSIONS[Math.floor(r() * CONFUSIONS.length)];
  if (path.length === 0) return value;
  const copy = JSON.parse(JSON.stringify(doc)) as Record<string | number, unknown>;
  let at = copy;
  for (const p of path.slice(0, -1)) at = at[p] as Record<string | number, unknown>;
  at[path[path.length - 1]!] = value;
  return copy;
}

async function validArchive(r: () => number): Promise<Buffer> {
  const specs = (n: number): Spec[] =>
    Array.from({ length: n }, (_, i) => ({ name: `d${i}/f${i}`, content: Math.floor(r() * 5000) }));
  const layers = await Promise.all([tarOf(specs(1 + Math.floor(r() * 3))), tarOf(specs(1 + Math.floor(r() * 3)))]);
  const kind = Math.floor(r() * 4);
  if (kind === 0) return docker24Archive({ layers });
  if (kind === 1) return docker25Archive({ layers });
  return (await ociArchive([{ layers }], { codec: kind === 2 ? 'gzip' : 'zstd', nested: r() < 0.5 })).archive;
}

/** The archive's members, to mutate one document in place. */
async function withDocumentConfused(archive: Buffer, r: () => number): Promise<Buffer> {
  const { extract } = await import('tar-stream');
  const files: Record<string, Buffer> = {};
  const x = extract();
  const done = (async () => {
    for await (const entry of x) {
      const parts: Buffer[] = [];
      for await (const c of entry) parts.push(c as Buffer);
      if (entry.header.type === 'file') files[entry.header.name] = Buffer.concat(parts);
    }
  })();
  x.end(archive);
  await done;
  const docs = Object.keys(files).filter((k) => files[k]![0] === 0x7b || files[k]![0] === 0x5b);
  const name = docs[Math.floor(r() * docs.length)]!;
  files[name] = Buffer.from(JSON.stringify(confuse(JSON.parse(files[name]!.toString()), r)));
  return archiveOf(files);
}

export type Mutation = 'truncate' | 'flip' | 'confuse' | 'absurd-size' | 'none';
const MUTATIONS: Mutation[] = ['truncate', 'flip', 'confuse', 'absurd-size', 'none'];

export async function fuzzCase(seed: number): Promise<{ mutation: Mutation; archive: Buffer }> {
  const r = rng(seed);
  const archive = await validArchive(r);
  const mutation = MUTATIONS[Math.floor(r() * MUTATIONS.length)]!;
  switch (mutation) {
    case 'truncate':
      return { mutation, archive: archive.subarray(0, Math.floor(r() * archive.length)) };
    case 'flip': {
      const b = Buffer.from(archive);
      const flips = 1 + Math.floor(r() * 8);
      for (let i = 0; i < flips; i++) b[Math.floor(r() * b.length)]! ^= 1 << Math.floor(r() * 8);
      return { mutation, archive: b };
    }
    case 'confuse':
      return { mutation, archive: await withDocumentConfused(archive, r) };
    case 'absurd-size': {
      const sizes = [8n << 30n, 1n << 62n, 8n ** 11n - 1n];
      const layer = Buffer.concat([
        tarHeader('x', { size: sizes[Math.floor(r() * sizes.length)]! }),
        Buffer.alloc(1024),
      ]);
      return { mutation, archive: Buffer.concat([layer, archive]) };
    }
    case 'none':
      return { mutation, archive };
  }
}

export interface FuzzOutcome {
  seed: number;
  mutation: Mutation;
  result: 'report' | 'user-error' | 'failure';
  detail: string;
}

/** One case through the engine: a report or a one-line UserError within `timeoutMs`, or a failure. */
export async function runFuzzCase(seed: number, dir: string, timeoutMs = 10_000): Promise<FuzzOutcome> {
  const { mutation, archive } = await fuzzCase(seed);
  const path = join(dir, `fuzz-${seed}.tar`);
  writeFileSync(path, archive);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer in ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    await Promise.race([measureImage(`docker-archive:${path}`, { files: true, compressedEstimate: true }), timeout]);
    return { seed, mutation, result: 'report', detail: '' };
  } catch (err) {
    const message = (err as Error).message ?? String(err);
    const oneLine = !message.includes('\n');
    if (err instanceof UserError && oneLine) return { seed, mutation, result: 'user-error', detail: message };
    return { seed, mutation, result: 'failure', detail: `${(err as Error).name}: ${message.split('\n')[0]}` };
  } finally {
    clearTimeout(timer);
  }
}
