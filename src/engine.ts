import { UserError } from './errors.js';
import { analyzeLayer, type AnalyzeOptions, type LayerStats } from './measure/layer.js';
import { buildImageReport } from './measure/image.js';
import { LayerCache } from './measure/layer-cache.js';
import type { ImageReport } from './model/image-report.js';
import type { Platform } from './model/oci.js';
import { readArchive } from './sources/archive.js';
import { DockerDaemon } from './sources/daemon.js';
import { checkPath, fileChunks, OciDirectory } from './sources/files.js';
import { resolveLayout, type ResolvedImage } from './sources/layout.js';
import { formatReference, parseReference, type ImageReference } from './sources/reference.js';
import { parseRegistryName, RegistryClient } from './sources/registry.js';
import { existsSync } from 'node:fs';

export interface MeasureOptions {
  platform?: Platform;
  /** Read every tar header: file counts, contentBytes and the waste walk. */
  files: boolean;
  /** Estimate the compressed size of layers the source keeps uncompressed. */
  compressedEstimate: boolean;
  cache?: LayerCache;
  daemon?: DockerDaemon;
}

function analyzeOptions(o: MeasureOptions, estimate = o.compressedEstimate): AnalyzeOptions {
  return { files: o.files, estimate, keepEntries: o.files };
}

async function fromArchiveStream(
  chunks: AsyncIterable<Buffer>,
  what: string,
  o: MeasureOptions,
  name: string | undefined,
): Promise<{ image: ResolvedImage; stats: LayerStats[] }> {
  const contents = await readArchive(chunks, { ...analyzeOptions(o), what, cache: o.cache });
  const image = await resolveLayout(contents, { platform: o.platform, name, what }, (p) => contents.sizes.get(p));
  return { image, stats: image.layers.map((l) => contents.layer(l.blobPath, what)) };
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
  const daemonRefs = refs.filter(
    (r): r is Extract<ImageReference, { transport: 'docker-daemon' }> => r.transport === 'docker-daemon',
  );
  const fromDaemon = new Map<string, ImageReport>();
  if (daemonRefs.length > 1) {
    const daemon = o.daemon ?? new DockerDaemon();
    const what = daemonRefs.map(formatReference).join(', ');
    const store = await daemon.store(what);
    for (const r of daemonRefs) await daemon.inspect(r.name, formatReference(r));
    const names = [...new Set(daemonRefs.map((r) => r.name))];
    const stream = await daemon.save(names, what);
    const contents = await readArchive(stream as AsyncIterable<Buffer>, { ...analyzeOptions(o), what, cache: o.cache });
    for (const r of daemonRefs) {
      const ref = formatReference(r);
      const image = await resolveLayout(contents, { platform: o.platform, name: r.name, what: ref }, (p) =>
        contents.sizes.get(p),
      );
      const stats = image.layers.map((l) => contents.layer(l.blobPath, ref));
      fromDaemon.set(
        r.name,
        buildImageReport({ reference: ref, source: { transport: 'docker-daemon', store }, image, stats }, o.files),
      );
    }
  }
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

export async function measureReference(ref: ImageReference, options: MeasureOptions): Promise<ImageReport> {
  const what = formatReference(ref);
  const withWaste = options.files;
  switch (ref.transport) {
    case 'docker-daemon': {
      const daemon = options.daemon ?? new DockerDaemon();
      const store = await daemon.store(what);
      await daemon.inspect(ref.name, what);
      const stream = await daemon.save([ref.name], what);
      const { image, stats } = await fromArchiveStream(stream as AsyncIterable<Buffer>, what, options, undefined);
      return buildImageReport(
        { reference: what, source: { transport: ref.transport, store }, image, stats },
        withWaste,
      );
    }
    case 'docker-archive':
    case 'oci-archive': {
      await checkPath(ref.path, what, false);
      const { image, stats } = await fromArchiveStream(fileChunks(ref.path), what, options, ref.name);
      return buildImageReport({ reference: what, source: { transport: ref.transport }, image, stats }, withWaste);
    }
    case 'oci': {
      await checkPath(ref.path, what, true);
      const dir = new OciDirectory(ref.path);
      const image = await resolveLayout(dir, { platform: options.platform, name: ref.name, what });
      const byPath = new Map<string, Promise<LayerStats>>();
      const stats: LayerStats[] = [];
      for (const l of image.layers) {
        if (!byPath.has(l.blobPath)) byPath.set(l.blobPath, dir.layer(l.blobPath, analyzeOptions(options), what));
        stats.push(await byPath.get(l.blobPath)!);
      }
      return buildImageReport({ reference: what, source: { transport: ref.transport }, image, stats }, withWaste);
    }
    case 'docker': {
      const client = new RegistryClient(parseRegistryName(ref.name), what);
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
          const s = cached ?? (await analyzeLayer(await client.blob(digest), o));
          options.cache?.set(digest, o, s);
          stats.push(s);
        }
      }
      return buildImageReport({ reference: what, source: { transport: ref.transport }, image, stats }, withWaste);
    }
  }
}
