import { z } from 'zod';
import { ImageContents, LayerEntries, type CapturedFile, type EntryKind } from '../model/contents.js';
import type { ImageReport } from '../model/image-report.js';
import { computeWaste } from '../measure/waste.js';
import { imagePackages } from '../measure/packages/inventory.js';
import { ImageReportSchema } from './image-schema.js';
import type { BuildFingerprint } from './fingerprint.js';

/**
 * A commit's full measurement of one image on one platform, as a push to the default branch stores it
 * (docs/measuring.md "Stored measurements"): the report as measured (before `ignore-paths` and the advice, which
 * the reader applies with its own inputs) and every layer's entries and captured package files, so that a pull
 * request computes every number from it exactly as from a build of that commit.
 */
export interface StoredMeasurement {
  image: string;
  platform: string;
  commit: string;
  /** The commit's committer date. */
  date: string;
  inputs: BuildFingerprint;
  /** With `contents`: what the file-level diff, the waste and the advice read. */
  report: ImageReport & { contents: ImageContents };
}

export const MEASUREMENT_FORMAT = 'docker-size-guard/measurement';
export const MEASUREMENT_VERSION = 1;
/** A stored file larger than this is not read (the 1.1 GB bench image's is about 6 MB). */
export const MAX_MEASUREMENT_BYTES = 64 * 1024 * 1024;
/** Entries across all layers, and the longest path: bounds on what a crafted file costs to read. */
const MAX_ENTRIES = 4_000_000;
const MAX_PATH = 4096;
const MAX_CAPTURED_BYTES = 64 * 1024 * 1024;

const KIND_LETTER: Record<EntryKind, string> = {
  file: 'f',
  dir: 'd',
  symlink: 'l',
  hardlink: 'h',
  other: 'o',
  whiteout: 'w',
  opaque: 'q',
};
const LETTER_KIND = new Map(Object.entries(KIND_LETTER).map(([k, l]) => [l, k as EntryKind]));

/**
 * One layer's entries in tar order (BuildKit writes them sorted), each path stored as the length it shares with
 * the one before and the rest: `/usr/share/doc/a/copyright` after `/usr/share/doc/a` costs `16` and `/copyright`.
 */
interface EncodedLayer {
  p: number[];
  s: string[];
  /** One letter per entry: f file, d dir, l symlink, h hardlink, o other, w whiteout, q opaque directory. */
  k: string;
  z: number[];
  /** [entry index, target] for the links that carry one. */
  t: [number, string][];
}

interface EncodedCaptured {
  path: string;
  size: number;
  /** The body as UTF-8 text split at its newlines when it is that, else base64 in pieces; neither when it was too large to keep. */
  lines?: string[];
  base64?: string[];
}

function encodeLayer(entries: LayerEntries): EncodedLayer {
  const out: EncodedLayer = { p: [], s: [], k: '', z: [], t: [] };
  let previous = '';
  const kinds: string[] = [];
  for (let i = 0; i < entries.length; i++) {
    const e = entries.at(i);
    let shared = 0;
    const max = Math.min(previous.length, e.path.length);
    while (shared < max && previous.charCodeAt(shared) === e.path.charCodeAt(shared)) shared++;
    // Never split a UTF-16 surrogate pair: each side must stay a well-formed string in JSON.
    if (shared > 0 && shared < e.path.length && /[\uDC00-\uDFFF]/.test(e.path[shared]!)) shared--;
    out.p.push(shared);
    out.s.push(e.path.slice(shared));
    kinds.push(KIND_LETTER[e.kind]);
    out.z.push(e.size);
    if (e.target !== undefined) out.t.push([i, e.target]);
    previous = e.path;
  }
  out.k = kinds.join('');
  return out;
}

function encodeCaptured(files: readonly CapturedFile[]): EncodedCaptured[] {
  return files.map((f) => {
    if (f.body === null) return { path: f.path, size: f.size };
    const text = f.body.toString('utf8');
    if (Buffer.from(text).equals(f.body)) return { path: f.path, size: f.size, lines: text.split('\n') };
    const b64 = f.body.toString('base64');
    const pieces: string[] = [];
    for (let i = 0; i < b64.length; i += 4096) pieces.push(b64.slice(i, i + 4096));
    return { path: f.path, size: f.size, base64: pieces };
  });
}

/**
 * JSON with a newline between the elements of long arrays: short lines read back fast through a line-buffered
 * pipe (one 1.8 MB line costs the runner's exec 60 ms of copying) and diff well; JSON.parse reads it as any JSON.
 */
function toJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(toJson).join(v.length > 16 ? ',\n' : ',')}]`;
  if (v !== null && typeof v === 'object')
    return `{${Object.entries(v)
      .filter(([, x]) => x !== undefined)
      .map(([k, x]) => `${JSON.stringify(k)}:${toJson(x)}`)
      .join(',')}}`;
  return JSON.stringify(v) ?? 'null';
}

/** A copy without what the reader derives with its own inputs: the findings and what ignore-paths matched. */
function withoutDerived<T extends ImageReport>(r: T): T {
  const copy = { ...r };
  delete copy.findings;
  delete copy.ignored;
  return copy;
}

/** The stored file: JSON (git keeps every object deflated, so a gzip inside would be compressed twice). */
export function encodeMeasurement(m: StoredMeasurement): string {
  const { contents, ...report } = withoutDerived(m.report);
  return toJson({
    format: MEASUREMENT_FORMAT,
    v: MEASUREMENT_VERSION,
    image: m.image,
    platform: m.platform,
    commit: m.commit,
    date: m.date,
    inputs: m.inputs,
    report,
    layers: contents.layers.map(encodeLayer),
    captured: contents.captured.map(encodeCaptured),
  });
}

const hex = (n: number) => z.string().regex(new RegExp(`^[0-9a-f]{${n}}$`));
const Envelope = z.object({
  format: z.literal(MEASUREMENT_FORMAT),
  v: z.literal(MEASUREMENT_VERSION, { error: `not format version ${MEASUREMENT_VERSION}` }),
  image: z.string().min(1).max(200),
  platform: z.string().min(1).max(100),
  commit: hex(40),
  date: z.iso.datetime({ offset: true }),
  inputs: z.object({
    digest: hex(64),
    summary: z.object({
      dockerfile: z.string().max(1000),
      dockerfileDigest: hex(64),
      context: z.string().max(1000),
      target: z.string().max(200),
      platforms: z.array(z.string().max(100)).max(50),
      buildArgs: z.array(z.string().max(200)).max(200),
      buildContexts: z.array(z.string().max(200)).max(100),
      secrets: z.array(z.string().max(200)).max(100),
      driver: z.string().max(100),
      exports: z.boolean(),
      native: z.string().max(100),
    }),
  }),
  report: ImageReportSchema,
  layers: z
    .array(
      z.object({
        // Checked element by element when decoded: a schema pass over each would cost as much again.
        p: z.custom<unknown[]>(Array.isArray),
        s: z.custom<unknown[]>(Array.isArray),
        k: z.string(),
        z: z.custom<unknown[]>(Array.isArray),
        t: z.array(z.tuple([z.number(), z.string()])),
      }),
    )
    .max(1000),
  captured: z
    .array(
      z
        .array(
          z.object({
            path: z.string().max(MAX_PATH),
            size: z.number().int().nonnegative(),
            lines: z.array(z.string()).optional(),
            base64: z.array(z.string()).optional(),
          }),
        )
        .max(100_000),
    )
    .max(1000),
});

/** A stored measurement that cannot be used: why, in words for a warning. */
export class UnusableMeasurement extends Error {}

const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

function decodeLayer(l: z.infer<typeof Envelope>['layers'][number], i: number, budget: { entries: number }) {
  const n = l.p.length;
  if (l.s.length !== n || l.k.length !== n || l.z.length !== n)
    throw new UnusableMeasurement(`layer ${i}: its entry lists differ in length`);
  budget.entries -= n;
  if (budget.entries < 0) throw new UnusableMeasurement(`more than ${MAX_ENTRIES} entries`);
  const targets = new Map<number, string>();
  for (const [at, target] of l.t) {
    if (!Number.isInteger(at) || at < 0 || at >= n || targets.has(at) || target.length > MAX_PATH)
      throw new UnusableMeasurement(`layer ${i}: a link target names no entry`);
    targets.set(at, target);
  }
  const entries = new LayerEntries(n);
  let previous = '';
  for (let j = 0; j < n; j++) {
    const shared = l.p[j];
    const rest = l.s[j];
    const size = l.z[j];
    const kind = LETTER_KIND.get(l.k[j]!);
    if (!isCount(shared) || shared > previous.length || typeof rest !== 'string' || !isCount(size) || !kind)
      throw new UnusableMeasurement(`layer ${i}: entry ${j} is malformed`);
    const path = previous.slice(0, shared) + rest;
    if (!path.startsWith('/') || path.length > MAX_PATH || path.includes('\0'))
      throw new UnusableMeasurement(`layer ${i}: entry ${j} is not an absolute path`);
    if (kind !== 'file' && size !== 0) throw new UnusableMeasurement(`layer ${i}: entry ${j} has a size but no data`);
    const target = targets.get(j);
    entries.push(target === undefined ? { path, kind, size } : { path, kind, size, target });
    previous = path;
  }
  return entries;
}

function decodeCaptured(files: z.infer<typeof Envelope>['captured'][number], budget: { bytes: number }) {
  return files.map((f): CapturedFile => {
    if (!f.path.startsWith('/')) throw new UnusableMeasurement(`a captured file is not an absolute path`);
    const body =
      f.lines !== undefined
        ? Buffer.from(f.lines.join('\n'))
        : f.base64 !== undefined
          ? Buffer.from(f.base64.join(''), 'base64')
          : null;
    budget.bytes -= body?.length ?? 0;
    if (budget.bytes < 0) throw new UnusableMeasurement('its captured package files are too large');
    if (body && body.length > f.size) throw new UnusableMeasurement(`${f.path}: more bytes than its size`);
    return { path: f.path, body, size: f.size };
  });
}

/**
 * Reads a stored measurement back, checking everything before any number is taken from it (it was read from a
 * ref anyone with push access can write), then computes its waste and packages again from its entries.
 */
export function decodeMeasurement(text: string, expect: { image: string; commit: string }): StoredMeasurement {
  return deriveMeasured(checkMeasurement(text, expect));
}

/**
 * The checks alone: the one asked for (`expect`) must be the one stored, and its entries must add up to the
 * report's own per-layer counts and sizes. Its waste and packages are still the file's: see deriveMeasured.
 */
export function checkMeasurement(text: string, expect: { image: string; commit: string }): StoredMeasurement {
  if (text.length > MAX_MEASUREMENT_BYTES) throw new UnusableMeasurement(`larger than ${MAX_MEASUREMENT_BYTES} bytes`);
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new UnusableMeasurement('not JSON');
  }
  const parsed = Envelope.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new UnusableMeasurement(`not a measurement (${issue.path.join('.') || 'format'}: ${issue.message})`);
  }
  const m = parsed.data;
  // What the reader derives with its own inputs (ignore-paths, the Dockerfile at that commit) is never taken.
  const report = withoutDerived(m.report as ImageReport);
  if (m.image !== expect.image) throw new UnusableMeasurement(`it is of another image ('${m.image.slice(0, 60)}')`);
  if (m.commit !== expect.commit) throw new UnusableMeasurement(`it claims another commit (${m.commit.slice(0, 12)})`);
  if (report.platform !== m.platform) throw new UnusableMeasurement('its report is of another platform');
  if (m.layers.length !== report.layers.length || report.layerCount !== report.layers.length)
    throw new UnusableMeasurement('its layers do not match its report');
  if (m.captured.length !== m.layers.length)
    throw new UnusableMeasurement('its captured files do not match its layers');
  const budget = { entries: MAX_ENTRIES };
  const layers = m.layers.map((l, i) => decodeLayer(l, i, budget));
  layers.forEach((entries, i) => {
    const r = report.layers[i]!;
    const content = entries.contentBytes();
    if (r.index !== i || r.files !== entries.length || r.contentBytes !== content)
      throw new UnusableMeasurement(`layer ${i}: its entries do not add up to its report (files, bytes)`);
  });
  const sum = (f: (l: ImageReport['layers'][number]) => number | null) =>
    report.layers.reduce((s, l) => s + (f(l) ?? NaN), 0);
  if (
    report.uncompressedBytes !== sum((l) => l.uncompressedBytes) ||
    report.contentBytes !== sum((l) => l.contentBytes)
  )
    throw new UnusableMeasurement("its totals are not its layers' sums");
  if (report.compressedIsEstimate !== report.layers.some((l) => l.compressedIsEstimate))
    throw new UnusableMeasurement('its compressed sizes say both exact and estimated');
  const bytes = { bytes: MAX_CAPTURED_BYTES };
  const captured = m.captured.map((files) => decodeCaptured(files, bytes));
  const contents = new ImageContents(layers, captured);
  return {
    image: m.image,
    platform: m.platform,
    commit: m.commit,
    date: m.date,
    inputs: m.inputs,
    report: { ...report, contents },
  };
}

/** The waste and the packages computed again from the entries, as the measuring pass computes them. */
export function deriveMeasured(m: StoredMeasurement): StoredMeasurement {
  const r = { ...m.report };
  const layers = r.contents.layers;
  if (r.waste)
    r.waste = computeWaste(
      layers,
      r.layers.map((l) => l.contentBytes ?? 0),
    );
  if (r.packages) r.packages = imagePackages(r.contents).inventory;
  return { ...m, report: r };
}
