import { adviseSide } from './side-advice.js';
import { buildAndMeasureSides, type Log } from '../buildx/sides.js';
import { compare } from '../compare/compare.js';
import type { BuiltImage } from '../buildx/build-image.js';
import { measurePlatforms } from '../engine.js';
import { applyIgnore } from '../measure/ignore.js';
import type { LayerCache } from '../measure/layer-cache.js';
import type { ImageReport } from '../model/image-report.js';
import type { Entry } from '../model/run.js';
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
    });
    const reports = measured.map((r) =>
      applyIgnore(built ? { ...r, source: { ...r.source, builder: built.builder } } : r, target.ignorePaths),
    );
    const where = { root: ctx.root, build: target.build, baseSha: ctx.baseSha, built: built !== null };
    return adviseSide(reports, side, where);
  };
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
    comparison: compare(sides.base?.[i] ?? null, head, target.rules, {
      baseMissingReason: sides.baseMissing,
      approved: ctx.approved,
    }),
  }));
}
