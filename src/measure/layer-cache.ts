import type { LayerReading } from '../sources/archive.js';
import { LayerScanner, type AnalyzeOptions, type LayerStats } from './layer.js';

/**
 * Layer stats by blob digest. A digest fixes the bytes, so stats never go stale; the key also carries what was
 * computed, so a cheaper earlier pass is not taken for a fuller one.
 */
export class LayerCache {
  private readonly entries = new Map<string, LayerStats>();

  private static key(digest: string, o: AnalyzeOptions): string {
    return `${digest}|${o.files ? 'f' : ''}${o.estimate ? 'e' : ''}${o.keepEntries ? 'k' : ''}`;
  }

  get(digest: string, options: AnalyzeOptions): LayerStats | undefined {
    return this.entries.get(LayerCache.key(digest, options));
  }

  set(digest: string, options: AnalyzeOptions, stats: LayerStats): void {
    this.entries.set(LayerCache.key(digest, options), stats);
  }
}

/**
 * How an archive's layer blobs are measured, through `cache` when there is one: a blob stored under a digest
 * measured before is skipped, and what is measured is kept under its digest.
 */
export function measuringLayers(options: AnalyzeOptions, cache?: LayerCache): LayerReading<LayerStats> {
  return {
    known: (digest) => cache?.get(digest, options),
    scanner: (digest) => {
      const scanner = new LayerScanner(options);
      if (!digest || !cache) return scanner;
      return {
        write: (chunk) => scanner.write(chunk),
        finish: async () => {
          const stats = await scanner.finish();
          cache.set(digest, options, stats);
          return stats;
        },
      };
    },
  };
}
