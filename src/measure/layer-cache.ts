import type { AnalyzeOptions, LayerStats } from './layer.js';

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
