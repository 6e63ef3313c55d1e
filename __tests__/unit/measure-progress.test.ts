import { describe, expect, it } from 'vitest';
import { ProgressCounter, progressLine, type MeasureProgress } from '../../src/measure/progress.js';

describe("a measuring pass's progress", () => {
  it('tells each layer read, and bytes at most every five seconds in between', async () => {
    let now = 0;
    const told: MeasureProgress[] = [];
    const c = new ProgressCounter(
      (p) => told.push(p),
      { layers: 2, bytes: 3_000_000 },
      () => now,
    );
    const reading = c.layers({
      known: (d: string) => (d === 'sha256:seen' ? 7 : undefined),
      scanner: () => ({ write: () => undefined, finish: async () => 1 }),
    });
    c.bytes(1_000_000);
    now = 4_999;
    c.bytes(1_000_000);
    expect(told).toEqual([]);
    now = 5_000;
    c.bytes(500_000);
    expect(told.at(-1)).toEqual({ layersRead: 0, layers: 2, bytesRead: 2_500_000, bytes: 3_000_000 });
    expect(reading.known('sha256:other')).toBeUndefined();
    expect(reading.known('sha256:seen')).toBe(7);
    await reading.scanner(null).finish();
    expect(told.map((p) => p.layersRead)).toEqual([0, 1, 2]);
  });

  it('reads as a line, with or without totals', () => {
    expect(progressLine({ layersRead: 3, layers: 6, bytesRead: 412_000_000, bytes: 1_120_000_000 })).toBe(
      '3 of 6 layers read, 412 MB of about 1.1 GB',
    );
    expect(progressLine({ layersRead: 1, layers: null, bytesRead: 2048, bytes: null })).toBe('1 layer read, 2 kB');
  });
});
