import { UserError, errorMessage } from './errors.js';
import { analyzeLayer, type AnalyzeOptions, type LayerStats } from './measure/layer.js';
import { buildImageReport } from './measure/image.js';
import { LayerCache, measuringLayers } from './measure/layer-cache.js';
import { CAPTURE_BUDGET } from './measure/packages/capture.js';
import type { ImageReport } from './model/image-report.js';
import type { Platform } from './model/oci.js';
import { ArchiveScanner, readArchive, type ArchiveContents } from './sources/archive.js';
import { DockerDaemon, type ImageStore } from './sources/daemon.js';
import { checkPath, fileChunks, OciDirectory } from './sources/files.js';
import { resolveLayout, type ResolvedImage } from './sources/layout.js';
import { formatReference, parseReference, type ImageReference } from './sources/reference.js';
import { parseRegistryName, RegistryClient } from './sources/registry.js';
import { existsSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { ProgressCounter, type MeasureProgress } from './measure/progress.js';
import { digestNamedBy } from './util/digest.js';

export interface MeasureOptions {
  platform?: Platform;
  /** Read every tar header: file counts, contentBytes and the waste walk. */
  files: boolean;
  /** Estimate the compressed size of layers the source keeps uncompressed. */
  compressedEstimate: boolean;
  cache?: LayerCache;
  daemon?: DockerDaemon;
  /** False for image references a PR's config names under a write token: registries are read anonymously. */
  registryCredentials?: boolean;
  /** An archive this tool had buildx write just now: its digests need no checking. */
  trustedArchive?: boolean;
  /** How far the reading of a daemon's save or an archive has got (measure/progress.ts). */
  onProgress?: (p: MeasureProgress) => void;
}

/** A counter when someone listens, else none (and nothing wrapped). */
function counter(o: MeasureOptions, totals: { layers?: number | null; bytes?: number | null }) {
  return o.onProgress ? new ProgressCounter(o.onProgress, totals) : null;
}

/** `hash`: every source but the local engine and our own build outputs is checked against its digests. */
function analyzeOptions(o: MeasureOptions, estimate = o.compressedEstimate, hash = !o.trustedArchive): AnalyzeOptions {
  return { files: o.files, estimate, keepEntries: o.files, hash, captureBudget: { remaining: CAPTURE_BUDGET } };
}

/**
 * Blobs stored under their digest must hash to it, and each layer's tar to the config's diff_id: an archive, a
 * layout or a registry could otherwise report any content under any name. The measuring pass hashes sha256; a
 * blob named by sha512 is held to its diff_id only.
 */
function verifyLayers(image: ResolvedImage, stats: (LayerStats | null)[], what: string): void {
  image.layers.forEach((l, i) => {
    const s = stats[i];
    if (!s?.diffDigest) return;
    const named = digestNamedBy(l.blobPath);
    if (named?.startsWith('sha256:') && s.blobDigest !== named)
      throw new UserError(`${what}: layer ${i} (${l.blobPath}) does not match its digest (got ${s.blobDigest})`);
    if (s.diffDigest !== l.diffId)
      throw new UserError(`${what}: layer ${i} does not match the config's diff_id ${l.diffId} (got ${s.diffDigest})`);
  });
}

/** Resolves one image in an archive already read, and picks its layers' stats. */
async function resolveInArchive(
  contents: ArchiveContents<LayerStats>,
  what: string,
  o: MeasureOptions,
  name: string | undefined,
): Promise<{ image: ResolvedImage; stats: LayerStats[] }> {
  const image = await resolveLayout(contents, { platform: o.platform, name, what }, (p) => contents.sizes.get(p));
  const stats = image.layers.map((l) => contents.layer(l.blobPath, what));
  verifyLayers(image, stats, what);
  return { image, stats };
}

type DaemonRef = Extract<ImageReference, { transport: 'docker-daemon' }>;

/** What the daemon says of the images to save: its store, and the layers and bytes a progress line counts. */
async function daemonFacts(
  daemon: DockerDaemon,
  names: string[],
  what: string,
): Promise<{ store: ImageStore; totals: { layers: number | null; bytes: number | null } }> {
  const store = await daemon.store(what);
  const diffIds = new Set<string>();
  let bytes = 0;
  for (const name of names) {
    const inspect = await daemon.inspect(name, formatReference({ transport: 'docker-daemon', name }));
    const layers = (inspect.RootFS as { Layers?: unknown } | undefined)?.Layers;
    if (Array.isArray(layers)) for (const l of layers) if (typeof l === 'string') diffIds.add(l);
    bytes += typeof inspect.Size === 'number' ? inspect.Size : 0;
  }
  // Shared layers are in the save once; the daemon's Size is the unpacked content, about what the tars carry.
  return { store, totals: { layers: diffIds.size || null, bytes: bytes || null } };
}

/**
 * Measures daemon images from one `docker save` of all of them, in which shared layers appear once. With one
 * image the archive holds only it, so it needs no name (images named by ID or digest have none in the save).
 */
async function measureFromDaemon(refs: DaemonRef[], o: MeasureOptions): Promise<Map<string, ImageReport>> {
  const daemon = o.daemon ?? new DockerDaemon();
  const what = refs.map(formatReference).join(', ');
  const names = [...new Set(refs.map((r) => r.name))];
  // The facts are asked while the save streams (the save does not need them; a progress line needs its totals
  // first). Both are waited for, and a failed inspect is the error told: it names the image that is missing.
  const asked = daemonFacts(daemon, names, what);
  const progress = o.onProgress ? counter(o, (await asked).totals) : null;
  const layers = measuringLayers(analyzeOptions(o, o.compressedEstimate, false), o.cache);
  // The local engine is trusted: its saves are not hashed (the file pass keeps its speed).
  const scanner = new ArchiveScanner({ what, verify: false, layers: progress ? progress.layers(layers) : layers });
  const saved = daemon.save(
    names,
    what,
    progress
      ? {
          write: (chunk) => {
            progress.bytes(chunk.length);
            return scanner.write(chunk);
          },
        }
      : scanner,
  );
  const [facts, save] = await Promise.allSettled([asked, saved]);
  if (facts.status === 'rejected') throw facts.reason;
  if (save.status === 'rejected') throw save.reason;
  const { store } = facts.value;
  const contents = await scanner.finish();
  const reports = new Map<string, ImageReport>();
  for (const name of names) {
    const reference = formatReference({ transport: 'docker-daemon', name });
    const { image, stats } = await resolveInArchive(contents, reference, o, names.length > 1 ? name : undefined);
    reports.set(
      name,
      buildImageReport({ reference, source: { transport: 'docker-daemon', store }, image, stats }, o.files),
    );
  }
  return reports;
}

async function* counted(chunks: AsyncIterable<Buffer>, progress: ProgressCounter): AsyncGenerator<Buffer> {
  for await (const chunk of chunks) {
    progress.bytes(chunk.length);
    yield chunk;
  }
}

/** `thing` (a blob, a layer) of `what` could not be read: one line naming both. */
function unreadable(what: string, thing: string): (err: unknown) => never {
  return (err) => {
    if (err instanceof UserError) throw err;
    throw new UserError(`${what}: ${thing} is unreadable (${errorMessage(err)})`);
  };
}

/** Measures one image from any source. Errors the user can fix are UserErrors naming the input. */
export async function measureImage(text: string, options: MeasureOptions): Promise<ImageReport> {
  const ref = parseReference(text, existsSync);
  return measureReference(ref, options);
}

/**
 * Measures several images, sharing work: images in the same daemon come from one `docker save`, in which shared
 * layers appear once, and every layer is analysed once per digest (the cache is shared across all sources).
 */
export async function measureImages(texts: string[], options: MeasureOptions): Promise<ImageReport[]> {
  const o = { ...options, cache: options.cache ?? new LayerCache() };
  const refs = texts.map((t) => parseReference(t, existsSync));
  const daemonRefs = refs.filter((r): r is DaemonRef => r.transport === 'docker-daemon');
  const fromDaemon = daemonRefs.length > 0 ? await measureFromDaemon(daemonRefs, o) : new Map<string, ImageReport>();
  const reports: ImageReport[] = [];
  for (const r of refs) {
    reports.push(
      r.transport === 'docker-daemon' && fromDaemon.has(r.name)
        ? fromDaemon.get(r.name)!
        : await measureReference(r, o),
    );
  }
  return reports;
}

type ArchiveRef = Extract<ImageReference, { transport: 'docker-archive' | 'oci-archive' }>;

/** Reads an archive once and measures the image in it on each platform asked for. */
async function fromArchive(
  ref: ArchiveRef,
  platforms: (Platform | undefined)[],
  o: MeasureOptions,
): Promise<ImageReport[]> {
  const what = formatReference(ref);
  await checkPath(ref.path, what, false);
  const analyze = analyzeOptions(o);
  const progress = counter(o, { bytes: o.onProgress ? (await stat(ref.path)).size : null });
  const layers = measuringLayers(analyze, o.cache);
  const contents = await readArchive(progress ? counted(fileChunks(ref.path), progress) : fileChunks(ref.path), {
    what,
    verify: analyze.hash ?? false,
    layers: progress ? progress.layers(layers) : layers,
  });
  const reports: ImageReport[] = [];
  for (const platform of platforms) {
    const { image, stats } = await resolveInArchive(contents, what, { ...o, platform }, ref.name);
    reports.push(buildImageReport({ reference: what, source: { transport: ref.transport }, image, stats }, o.files));
  }
  return reports;
}

/**
 * Measures one image on several platforms. An archive is read once for all of them (its layers are in one
 * stream); other sources are asked once per platform, sharing the layer cache.
 */
export async function measurePlatforms(
  text: string,
  platforms: (Platform | undefined)[],
  options: MeasureOptions,
): Promise<ImageReport[]> {
  const ref = parseReference(text, existsSync);
  const o = { ...options, cache: options.cache ?? new LayerCache() };
  if (ref.transport === 'docker-archive' || ref.transport === 'oci-archive') return fromArchive(ref, platforms, o);
  const reports: ImageReport[] = [];
  for (const platform of platforms) reports.push(await measureReference(ref, { ...o, platform }));
  return reports;
}

export async function measureReference(ref: ImageReference, options: MeasureOptions): Promise<ImageReport> {
  const what = formatReference(ref);
  const withWaste = options.files;
  switch (ref.transport) {
    case 'docker-daemon':
      return (await measureFromDaemon([ref], options)).get(ref.name)!;
    case 'docker-archive':
    case 'oci-archive':
      return (await fromArchive(ref, [options.platform], options))[0]!;
    case 'oci': {
      await checkPath(ref.path, what, true);
      const dir = new OciDirectory(ref.path, what);
      const image = await resolveLayout(dir, { platform: options.platform, name: ref.name, what });
      const byPath = new Map<string, Promise<LayerStats>>();
      const stats: LayerStats[] = [];
      const o = analyzeOptions(options);
      for (const l of image.layers) {
        if (!byPath.has(l.blobPath))
          byPath.set(l.blobPath, analyzeLayer(dir.blob(l.blobPath), o).catch(unreadable(what, `layer ${l.blobPath}`)));
        stats.push(await byPath.get(l.blobPath)!);
      }
      verifyLayers(image, stats, what);
      return buildImageReport({ reference: what, source: { transport: ref.transport }, image, stats }, withWaste);
    }
    case 'docker': {
      const client = new RegistryClient(parseRegistryName(ref.name), what, {
        credentials: options.registryCredentials !== false,
      });
      const image = await resolveLayout(client, { platform: options.platform, what });
      let stats: (LayerStats | null)[] = image.layers.map(() => null);
      if (options.files) {
        // Registry blobs are compressed already: nothing to estimate.
        const o = analyzeOptions(options, false);
        stats = [];
        for (const l of image.layers) {
          const digest = l.descriptor?.digest;
          if (!digest) throw new UserError(`${what}: layer ${l.diffId} has no descriptor`);
          const cached = options.cache?.get(digest, o);
          const s =
            cached ?? (await analyzeLayer(await client.blob(digest), o).catch(unreadable(what, `blob ${digest}`)));
          options.cache?.set(digest, o, s);
          stats.push(s);
        }
        verifyLayers(image, stats, what);
      }
      return buildImageReport({ reference: what, source: { transport: ref.transport }, image, stats }, withWaste);
    }
  }
}
