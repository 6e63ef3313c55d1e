import { progressLine, type MeasureProgress } from '../measure/progress.js';
import { adviseSide } from './side-advice.js';
import { buildAndMeasureSides, type Log } from '../buildx/sides.js';
import { compare } from '../compare/compare.js';
import type { BuiltImage } from '../buildx/build-image.js';
import { measurePlatforms } from '../engine.js';
import { applyIgnore } from '../measure/ignore.js';
import type { LayerCache } from '../measure/layer-cache.js';
import type { ImageReport } from '../model/image-report.js';
import type { SourceMap } from '../model/source-map.js';
import type { BaseOrigin, Entry } from '../model/run.js';
import type { StoredBase } from './stored-base.js';
import { parsePlatform } from '../sources/platform.js';
import type { ImageTarget } from './images.js';

export interface TargetContext {
  root: string;
  baseSha: string | null;
  baseMissing: string | null;
  /** How the base commit is called (branch or short commit). */
  baseLabel: string;
  approved: boolean;
  tmp: string;
  id: string;
  cache: LayerCache;
  /** False when the targets come from a PR's config under a write token: registries are read anonymously. */
  credentials?: boolean;
  /** Looks up the base commit's stored measurement (history on, an origin to read). */
  storedBase?: (target: ImageTarget) => Promise<StoredBase>;
  /** Receives the head's reports as measured, before ignore-paths and the advice: what a push stores. */
  keepRaw?: (target: ImageTarget, raw: ImageReport[]) => void;
}

/**
 * Builds and measures one image target on each of its platforms: one entry per platform. A registry image is
 * read for its manifests and config only (compressed sizes straight from the manifest, nothing pulled).
 */
export async function measureTarget(
  target: ImageTarget,
  ctx: TargetContext,
  log: Log,
  cleanups: (() => Promise<void>)[],
): Promise<Entry[]> {
  const platforms = target.build.platforms.length > 0 ? target.build.platforms.map(parsePlatform) : [undefined];
  const measure = async (ref: string, side: 'base' | 'head', built: BuiltImage | null): Promise<ImageReport[]> => {
    // A builder that exports compressed blobs is measured from its export: exact sizes, nothing estimated.
    const measured = await measurePlatforms(ref, platforms, {
      files: !ref.startsWith('docker://'),
      compressedEstimate: !built?.exact,
      cache: ctx.cache,
      registryCredentials: ctx.credentials !== false,
      trustedArchive: built !== null,
      ...(log.measuring
        ? {
            onProgress: (p: MeasureProgress) =>
              log.measuring!(`Measuring the ${side === 'head' ? 'PR' : 'base'} image: ${progressLine(p)}`),
          }
        : {}),
    });
    const raw = measured.map((r) => (built ? { ...r, source: { ...r.source, builder: built.builder } } : r));
    if (side === 'head') ctx.keepRaw?.(target, raw);
    // The base's lines come from its history, as a stored base's must (the store keeps no source map): the same
    // lines whichever way the base was had. The head's, which the annotations and links use, are BuildKit's.
    return finish(raw, side, built !== null, side === 'head' ? (built?.sourceMap ?? null) : null);
  };
  // What every side goes through after measuring, a stored one too: the same numbers from the same data.
  const finish = (raw: ImageReport[], side: 'base' | 'head', built: boolean, sourceMap: SourceMap | null = null) =>
    adviseSide(
      raw.map((r) => applyIgnore(r, target.ignorePaths)),
      side,
      { root: ctx.root, build: target.build, baseSha: ctx.baseSha, built, sourceMap },
    );
  let baseOrigin: BaseOrigin | undefined;
  let storedBase: ImageReport[] | undefined;
  if (ctx.storedBase && ctx.baseSha && !target.baseImage) {
    const stored = await ctx.storedBase(target);
    if ('found' in stored) {
      const raw = stored.found.map((m) => ({ ...m.report, reference: `stored:${m.commit}` }));
      storedBase = await finish(raw, 'base', true);
      const m = stored.found[0]!;
      baseOrigin = {
        from: 'stored',
        commit: m.commit,
        date: m.date,
        ...(stored.unchangedTo ? { unchangedTo: stored.unchangedTo } : {}),
      };
      log.info?.(
        `Base: the measurement ${ctx.baseLabel} stored when ${m.commit.slice(0, 12)} was pushed` +
          (stored.unchangedTo ? ` (no file the image is built from changed up to ${ctx.baseSha.slice(0, 12)})` : '') +
          '; not built again.',
      );
    } else {
      baseOrigin = { from: 'built', commit: ctx.baseSha, why: stored.missing };
      if (stored.warning) log.warning(stored.warning);
      log.info?.(`Base: built, as ${stored.missing}.`);
    }
  }
  const sides = await buildAndMeasureSides(
    {
      root: ctx.root,
      build: target.build,
      baseImage: target.baseImage || undefined,
      headImage: target.headImage || undefined,
      baseSha: ctx.baseSha,
      baseMissing: ctx.baseMissing,
      tmp: ctx.tmp,
      id: ctx.id,
      ...(storedBase ? { storedBase } : {}),
    },
    log,
    measure,
    cleanups,
  );
  const baseLabel = target.baseImage || ctx.baseLabel;
  return sides.head.map((head, i) => ({
    name: target.name,
    platform: head.platform,
    baseLabel,
    baseSource: sides.baseSource,
    ...(baseOrigin && (sides.baseSource === 'stored' || sides.baseSource === 'built') ? { baseOrigin } : {}),
    comparison: compare(sides.base?.[i] ?? null, head, target.rules, {
      baseMissingReason: sides.baseMissing,
      approved: ctx.approved,
    }),
  }));
}
