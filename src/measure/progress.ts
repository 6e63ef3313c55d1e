import type { LayerReading } from '../sources/archive.js';
import { formatBytes } from '../util/format.js';

/** How far a measuring pass has read: a large image takes a while, and a person or a log should see it move. */
export interface MeasureProgress {
  layersRead: number;
  /** Layers the source will hand over, when known before reading (a daemon's inspect). */
  layers: number | null;
  bytesRead: number;
  /** What the stream will carry, when known (an archive's size; a daemon's uncompressed size, roughly). */
  bytes: number | null;
}

/** Between two byte-only updates: a layer read is always told. */
const TICK_MS = 5_000;

/**
 * Counts what a reading passes on and tells `emit` at each layer read and every few seconds in between. The
 * counting wraps the layer reading and the byte stream; nothing is measured differently.
 */
export class ProgressCounter {
  private readonly state: MeasureProgress;
  private last = Date.now();

  constructor(
    private readonly emit: (p: MeasureProgress) => void,
    totals: { layers?: number | null; bytes?: number | null } = {},
    private readonly now: () => number = Date.now,
  ) {
    this.state = { layersRead: 0, layers: totals.layers ?? null, bytesRead: 0, bytes: totals.bytes ?? null };
    this.last = now();
  }

  bytes(n: number): void {
    this.state.bytesRead += n;
    if (this.now() - this.last >= TICK_MS) this.tell();
  }

  layers<L>(reading: LayerReading<L>): LayerReading<L> {
    return {
      known: (digest) => {
        const k = reading.known(digest);
        if (k) this.layerDone();
        return k;
      },
      scanner: (digest) => {
        const s = reading.scanner(digest);
        return {
          write: (chunk) => s.write(chunk),
          finish: async () => {
            const stats = await s.finish();
            this.layerDone();
            return stats;
          },
        };
      },
    };
  }

  private layerDone(): void {
    this.state.layersRead += 1;
    this.tell();
  }

  private tell(): void {
    this.last = this.now();
    this.emit({ ...this.state });
  }
}

/** "3 of 6 layers read, 412 MB of about 1.1 GB". Pure. */
export function progressLine(p: MeasureProgress): string {
  const layers = p.layers !== null ? `${Math.min(p.layersRead, p.layers)} of ${p.layers}` : `${p.layersRead}`;
  const total = p.bytes !== null ? ` of about ${formatBytes(p.bytes)}` : '';
  return `${layers} layer${(p.layers ?? p.layersRead) === 1 ? '' : 's'} read, ${formatBytes(p.bytesRead)}${total}`;
}
