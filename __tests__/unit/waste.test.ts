import { describe, expect, it } from 'vitest';
import { computeWaste as computeWasteOf } from '../../src/measure/waste.js';
import { LayerEntries, type LayerEntry } from '../../src/model/contents.js';

const computeWaste = (layers: LayerEntry[][], bytes: number[]) =>
  computeWasteOf(
    layers.map((l) => LayerEntries.from(l)),
    bytes,
  );

const f = (path: string, size: number): LayerEntry => ({ path, kind: 'file', size });
const d = (path: string): LayerEntry => ({ path, kind: 'dir', size: 0 });
const wh = (path: string): LayerEntry => ({ path, kind: 'whiteout', size: 0 });

describe('dive-compatible waste', () => {
  // The case of dive's own TestEfficency (dive/filetree/efficiency_test.go): expected score 0.75, one inefficient
  // path /etc/nginx/nginx.conf with cumulative size 7000. /etc/nginx exists only as an intermediate node, so its
  // whiteout weighs 0.
  it("reproduces dive's TestEfficency", () => {
    const layers = [
      [f('/etc/nginx/nginx.conf', 2000), f('/etc/nginx/public', 3000)],
      [f('/etc/nginx/nginx.conf', 5000), f('/etc/athing', 10000)],
      [wh('/etc/nginx')],
    ];
    const w = computeWaste(layers, [5000, 15000, 0]);
    expect(w.efficiency).toBe(0.75);
    expect(w.files).toEqual([{ path: '/etc/nginx/nginx.conf', count: 2, wastedBytes: 7000 }]);
    expect(w.wastedBytes).toBe(7000);
    expect(w.userWastedPercent).toBeCloseTo(7000 / 15000, 12);
  });

  it("reproduces dive's TestEfficency_ScratchImage", () => {
    const w = computeWaste([[f('/nothing', 0)], [], []], [0, 0, 0]);
    expect(w.efficiency).toBe(1);
    expect(w.files).toEqual([]);
    expect(w.userWastedPercent).toBeNull();
  });

  it('counts every copy of a rewritten file (dive#684 quirk)', () => {
    const w = computeWaste([[f('/a', 10)], [f('/a', 10)]], [10, 10]);
    expect(w.wastedBytes).toBe(20);
    expect(w.efficiency).toBe(0.5);
  });

  it('does not count a directory removed by one whiteout when it was an explicit dir (sizes of its files go to both sums)', () => {
    const w = computeWaste([[d('/x'), f('/x/big', 100)], [wh('/x')]], [100, 0]);
    // /x was not a leaf in layer 0 (it had a child); /x/big counted once; the whiteout of /x weighs 100.
    expect(w.files).toEqual([]);
    expect(w.efficiency).toBe(1);
  });

  it('ignores opaque whiteouts, as dive does', () => {
    const w = computeWaste([[f('/etc/a', 50)], [{ path: '/etc', kind: 'opaque', size: 0 }]], [50, 0]);
    expect(w.wastedBytes).toBe(0);
    expect(w.efficiency).toBe(1);
  });

  it('stops a layer at a whiteout of a path that never existed', () => {
    // Visit order is by name: /a (whiteout of nothing) aborts the layer before /b is seen.
    const w = computeWaste([[f('/b', 7)], [wh('/a'), f('/b', 7)]], [7, 7]);
    expect(w.files).toEqual([]);
  });
});
