/**
 * The stored measurement's format: what is written reads back as it was (entries in their order, link targets,
 * captured files, text or binary), the waste and packages are computed again rather than read, and a file that is
 * not what it claims is refused with a reason. The fingerprint names what changed, never a value.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { BuildInputs } from '../../src/buildx/buildx-args.js';
import { fingerprint, fingerprintChange } from '../../src/history/fingerprint.js';
import { decodeMeasurement, encodeMeasurement, type StoredMeasurement } from '../../src/history/measurement.js';
import { buildImageReport } from '../../src/measure/image.js';
import { computeWaste } from '../../src/measure/waste.js';
import { buildInputs } from '../helpers/inputs.js';
import {
  ImageContents,
  LayerEntries,
  type CapturedFile,
  type EntryKind,
  type LayerEntry,
} from '../../src/model/contents.js';

const COMMIT = 'a'.repeat(40);
const build: BuildInputs = buildInputs({ buildArgs: ['MODE=small'] });
const fingerprintInputs = {
  image: 'api',
  commit: COMMIT,
  build,
  dockerfile: 'Dockerfile',
  dockerfileText: 'FROM scratch\n',
  driver: 'docker',
  exports: false,
};
const inputs = fingerprint(fingerprintInputs);

/** A measurement made by the measuring pass's own report builder from these layers. */
function measurement(layers: LayerEntry[][], captured: CapturedFile[][] = layers.map(() => [])): StoredMeasurement {
  const report = buildImageReport(
    {
      reference: 'docker-archive:/tmp/x.tar',
      source: { transport: 'docker-archive' },
      image: {
        platform: { os: 'linux', architecture: 'amd64' },
        configDigest: `sha256:${'c'.repeat(64)}`,
        configSize: 100,
        config: { history: [] },
        layers: layers.map((_, i) => ({ diffId: `sha256:${String(i).repeat(64).slice(0, 64)}`, blobPath: `b${i}` })),
      } as never,
      stats: layers.map((entries, i) => ({
        compression: 'none',
        blobBytes: 1000 + i,
        uncompressedBytes: 2048 * (entries.length + 1),
        contentBytes: entries.reduce((s, e) => (e.kind === 'file' ? s + e.size : s), 0),
        estimatedGzipBytes: 500 + i,
        files: entries.length,
        filesParsed: true,
        entries: LayerEntries.from(entries),
        captured: captured[i]!,
      })) as never,
    },
    true,
  );
  return {
    image: 'api',
    platform: report.platform,
    commit: COMMIT,
    date: '2026-12-01T00:00:00.000Z',
    inputs,
    report: report as StoredMeasurement['report'],
  };
}

const KINDS: EntryKind[] = ['file', 'dir', 'symlink', 'hardlink', 'other', 'whiteout', 'opaque'];
const entry = fc
  .record({
    path: fc.array(fc.constantFrom('usr', 'lib', 'a', 'ä', '😀', 'x y', '.wh.z'), { minLength: 1, maxLength: 4 }),
    kind: fc.constantFrom(...KINDS),
    size: fc.nat({ max: 1e9 }),
    target: fc.option(fc.string({ maxLength: 20 }), { nil: undefined }),
  })
  .map(({ path, kind, size, target }): LayerEntry => {
    const e: LayerEntry = { path: `/${path.join('/')}`, kind, size: kind === 'file' ? size : 0 };
    if (target !== undefined && (kind === 'symlink' || kind === 'hardlink')) e.target = target;
    return e;
  });

describe('stored measurement format', () => {
  it('reads back what it wrote: every entry in its order, its kind, size and target (property, 200 runs)', () => {
    fc.assert(
      fc.property(fc.array(fc.array(entry, { maxLength: 40 }), { minLength: 1, maxLength: 4 }), (layers) => {
        const m = measurement(layers);
        const back = decodeMeasurement(encodeMeasurement(m), { image: 'api', commit: COMMIT });
        expect(back.report.contents.layers.map((l) => [...l])).toEqual(layers);
        expect(back.report.layers).toEqual(m.report.layers);
        expect(back.report.waste).toEqual(m.report.waste);
      }),
      { numRuns: 200 },
    );
  });

  it('keeps captured files as they were, text and binary, and computes the packages again from them', () => {
    const status = Buffer.from('Package: curl\nStatus: install ok installed\nVersion: 8.0\nInstalled-Size: 400\n\n');
    const binary = Buffer.from([0xff, 0xfe, 0x00, 0x41]);
    const layers: LayerEntry[][] = [[{ path: '/var/lib/dpkg/status', kind: 'file', size: status.length }]];
    const captured = [
      [
        { path: '/var/lib/dpkg/status', body: status, size: status.length },
        { path: '/x.bin', body: binary, size: 4 },
        { path: '/big', body: null, size: 1e9 },
      ],
    ];
    const m = measurement(layers, captured);
    m.report.contents = new ImageContents(
      layers.map((l) => LayerEntries.from(l)),
      captured,
    );
    const back = decodeMeasurement(encodeMeasurement(m), { image: 'api', commit: COMMIT });
    expect(back.report.contents.captured).toEqual(captured);
    expect(back.report.packages).toEqual(m.report.packages);
    expect(back.report.packages!.ecosystems.flatMap((e) => e.packages.map((p) => p.name))).toEqual(['curl']);
  });

  it('never takes the findings or what ignore-paths matched: the reader derives those with its own inputs', () => {
    const m = measurement([[{ path: '/a', kind: 'file', size: 5 }]]);
    const text = encodeMeasurement({
      ...m,
      report: { ...m.report, findings: [], ignored: { patterns: ['x'], files: 1, bytes: 5 } },
    });
    const back = decodeMeasurement(text, { image: 'api', commit: COMMIT });
    expect(back.report.findings).toBeUndefined();
    expect(back.report.ignored).toBeUndefined();
  });

  it('computes the waste again from the entries, whatever the file says', () => {
    const layers: LayerEntry[][] = [[{ path: '/a', kind: 'file', size: 5 }], [{ path: '/a', kind: 'file', size: 7 }]];
    const data = JSON.parse(encodeMeasurement(measurement(layers)));
    data.report.waste.wastedBytes = 0;
    data.report.waste.efficiency = 1;
    const back = decodeMeasurement(JSON.stringify(data), { image: 'api', commit: COMMIT });
    expect(back.report.waste).toEqual(
      computeWaste(
        layers.map((l) => LayerEntries.from(l)),
        [5, 7],
      ),
    );
    expect(back.report.waste!.wastedBytes).toBe(12);
  });

  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a stored file as JSON, edited as it comes
  type Doc = Record<string, any>;
  const refusals: [string, (d: Doc) => void, string][] = [
    ['another image', (d) => (d.image = 'web'), "it is of another image ('web')"],
    ['another commit', (d) => (d.commit = 'b'.repeat(40)), 'it claims another commit (bbbbbbbbbbbb)'],
    ['another format version', (d) => (d.v = 2), 'not a measurement (v: not format version 1)'],
    ['a count that does not add up', (d) => (d.report.layers[0].files = 9), 'layer 0: its entries do not add up'],
    ['a size that does not add up', (d) => (d.layers[0].z[0] = 6), 'layer 0: its entries do not add up'],
    ['a relative path', (d) => (d.layers[0].s[0] = 'a'), 'layer 0: entry 0 is not an absolute path'],
    ['a prefix longer than the path before', (d) => (d.layers[0].p[1] = 99), 'layer 0: entry 1 is malformed'],
    ['lists of different lengths', (d) => d.layers[0].z.pop(), 'layer 0: its entry lists differ in length'],
    ['an unknown kind', (d) => (d.layers[0].k = 'fx'), 'layer 0: entry 1 is malformed'],
    ['a size on a directory', (d) => (d.layers[0].z[1] = 3), 'layer 0: entry 1 has a size but no data'],
    ['a link target on no entry', (d) => d.layers[0].t.push([7, '/x']), 'layer 0: a link target names no entry'],
    ['totals that are not the sums', (d) => (d.report.uncompressedBytes += 1), "its totals are not its layers' sums"],
    ['a layer missing', (d) => d.layers.pop(), 'its layers do not match its report'],
    ['a string for a number', (d) => (d.report.compressedBytes = '1'), 'not a measurement (report.compressedBytes:'],
  ];
  for (const [what, edit, why] of refusals)
    it(`refuses ${what}, saying why`, () => {
      const data = JSON.parse(
        encodeMeasurement(
          measurement([
            [
              { path: '/a', kind: 'file', size: 5 },
              { path: '/ab', kind: 'dir', size: 0 },
            ],
          ]),
        ),
      );
      edit(data);
      expect(() => decodeMeasurement(JSON.stringify(data), { image: 'api', commit: COMMIT })).toThrow(why);
    });

  it('refuses what is not JSON, and what is too large to read', () => {
    expect(() => decodeMeasurement('{"format":', { image: 'api', commit: COMMIT })).toThrow('not JSON');
    expect(() => decodeMeasurement(' '.repeat(64 * 1024 * 1024 + 1), { image: 'api', commit: COMMIT })).toThrow(
      'larger than 67108864 bytes',
    );
  });
});

describe('build fingerprint', () => {
  const of = (b: Partial<BuildInputs>, driver = 'docker') =>
    fingerprint({
      image: 'api',
      commit: COMMIT,
      build: { ...build, ...b },
      dockerfile: 'Dockerfile',
      dockerfileText: 'FROM scratch\n',
      driver,
      exports: driver !== 'docker',
    });

  it('is the same for the same inputs, and names what changed, never a value', () => {
    expect(of({}).digest).toBe(inputs.digest);
    expect(fingerprintChange(inputs, of({}))).toBeNull();
    expect(fingerprintChange(inputs, of({ buildArgs: ['MODE=s3cr3t'] }))).toBe(
      'the value of a build-arg or build-context',
    );
    expect(fingerprintChange(inputs, of({ buildArgs: ['MODE=small', 'EXTRA=1'] }))).toBe(
      "build-args 'MODE' → 'MODE', 'EXTRA'",
    );
    expect(fingerprintChange(inputs, of({ target: 'slim' }))).toBe("target '(last stage)' → 'slim'");
    expect(fingerprintChange(inputs, of({}, 'docker-container'))).toBe(
      'builder driver docker (loads) → docker-container',
    );
    expect(JSON.stringify(of({ buildArgs: ['MODE=s3cr3t'] }))).not.toContain('s3cr3t');
    // A build that names no platform is built for the builder's own: an arm64 runner's measurement is not an amd64 base.
    const arm = fingerprint({ ...fingerprintInputs, native: 'linux/arm64' });
    const amd = fingerprint({ ...fingerprintInputs, native: 'linux/amd64' });
    expect(fingerprintChange(arm, amd)).toBe('builder platform linux/arm64 → linux/amd64');
  });

  it("a builder's name is not in it (each runner job creates a new one); its driver is", () => {
    expect(of({ builder: 'builder-1234' }).digest).toBe(inputs.digest);
    expect(of({ builder: 'builder-5678' }, 'docker-container').digest).not.toBe(inputs.digest);
  });
});
