/**
 * Layers to Dockerfile lines from BuildKit's source map: the provenance buildx 0.29.1 wrote into its metadata
 * file (BUILDX_METADATA_PROVENANCE=max) for the Dockerfile of dockerfile-lines.test.ts, built by the docker driver
 * (classic store: layers named by diff ID) and the docker-container builder (its export: by blob digest), beside
 * the layers the engine listed (`docker image inspect`; the export's manifest and config). Captured by a real
 * build; the expected lines are found in the Dockerfile's text by this test, not by the code under test.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseDockerfile } from '../../src/advice/dockerfile.js';
import { sourceMapLines, withDockerfileLines } from '../../src/advice/dockerfile-lines.js';
import { parseSourceMap } from '../../src/formats/provenance.js';
import type { LayerReport } from '../../src/model/image-report.js';
import type { SourceMap } from '../../src/model/source-map.js';

interface Fixture {
  layers: { diffId: string; digest: string | null }[];
  provenance: unknown;
}
const fixture = (name: string): Fixture =>
  JSON.parse(readFileSync(join(import.meta.dirname, '../fixtures/provenance', `${name}.json`), 'utf8')) as Fixture;

/** The Dockerfile BuildKit read, from the provenance itself (the source it records), checked below. */
const dockerfileOf = (f: Fixture) => parseSourceMap(f.provenance)!.dockerfile;
const lines = (text: string) => text.split('\n');
/** The 1-based lines of the instruction starting with `start` through the first line starting with `end`. */
const at = (text: string, start: string, end = start): [number, number] => {
  const all = lines(text);
  const s = all.findIndex((l) => l.startsWith(start)) + 1;
  const e = all.findIndex((l, i) => i >= s - 1 && l.startsWith(end)) + 1;
  return [s, e];
};

describe.each(['docker-driver', 'docker-container'])('the source map of a real build (%s)', (name) => {
  const f = fixture(name);
  const text = dockerfileOf(f);
  const facts = parseDockerfile('Dockerfile', text);
  const got = () =>
    sourceMapLines(parseSourceMap(f.provenance)!, facts, 'Dockerfile', f.layers, null).map((l) =>
      l ? [l.startLine, l.endLine, l.found] : null,
    );

  it('is the Dockerfile of dockerfile-lines.test.ts', () => {
    const unit = readFileSync(join(import.meta.dirname, 'dockerfile-lines.test.ts'), 'utf8');
    expect(unit).toContain(text.split('\\').join('\\\\'));
  });

  it('puts each layer this Dockerfile made on its line, the exec-form RUN too', () => {
    const own = [
      at(text, 'WORKDIR /app'),
      at(text, 'COPY a.txt'),
      at(text, 'COPY --from=build'),
      at(text, 'RUN --mount', '    && echo more'),
      at(text, 'RUN <<EOS', 'EOS'),
      at(text, 'RUN ["sh"'),
      at(text, 'ADD a.txt'),
    ].map(([s, e]) => [s, e, 'provenance']);
    const mine = got();
    expect(mine.slice(-own.length)).toEqual(own);
    // busybox's layers: no step of this Dockerfile made them.
    expect(mine.slice(0, -own.length).every((l) => l === null)).toBe(true);
    expect(mine.length).toBe(f.layers.length);
  });

  it('the report: the source map decides, the history fills in the base layers', () => {
    const report = { layers: f.layers.map((l) => ({ ...l, instruction: '<missing>' })) as LayerReport[] };
    const r = withDockerfileLines(report, facts, 'Dockerfile', null, parseSourceMap(f.provenance));
    const found = r.layers.map((l) => l.dockerfile?.found ?? null);
    expect(found.filter((x) => x === 'provenance')).toHaveLength(7);
    // Another text than the one built: the map says nothing of it.
    const other = parseDockerfile('Dockerfile', text.replace('echo two', 'echo 2'));
    const r2 = withDockerfileLines(report, other, 'Dockerfile', null, parseSourceMap(f.provenance));
    expect(JSON.stringify(r2)).not.toContain('provenance');
  });
});

describe('a source map that does not tell is not read', () => {
  const f = fixture('docker-container');
  const map = parseSourceMap(f.provenance)!;
  const facts = parseDockerfile('Dockerfile', map.dockerfile);
  const found = (m: SourceMap) => sourceMapLines(m, facts, 'Dockerfile', f.layers, null).filter(Boolean).length;

  it('a step written in two places of the built stages names no line', () => {
    const run = facts.stages.at(-1)!.instructions.find((i) => i.keyword === 'ADD')!;
    const copy = facts.stages.at(-1)!.instructions.find((i) => i.keyword === 'COPY')!;
    const twice = map.steps.map((s) =>
      s.places.some((p) => p.start === run.lines.start) ? { ...s, places: [...s.places, copy.lines] } : s,
    );
    expect(found({ ...map, steps: twice })).toBe(found(map) - 1);
  });

  it('a place that is no instruction, or one outside the built stages, names no line', () => {
    const past = map.steps.map((s) => ({
      ...s,
      places: s.places.map((p) => ({ start: p.start + 1000, end: p.end + 1000 })),
    }));
    expect(found({ ...map, steps: past })).toBe(0);
    // The heredoc's first line alone: the instruction runs to EOS, so this is not where it was written.
    const heredoc = facts.stages.at(-1)!.instructions.find((i) => i.args.startsWith('<<'))!;
    const cut = map.steps.map((s) => ({
      ...s,
      places: s.places.map((p) => (p.start === heredoc.lines.start ? { start: p.start, end: p.start } : p)),
    }));
    expect(found({ ...map, steps: cut })).toBe(found(map) - 1);
    // The same map under --target build: the final stage's instructions are not the build stage's.
    expect(sourceMapLines(map, facts, 'Dockerfile', f.layers, 'build').filter(Boolean)).toHaveLength(0);
  });

  it('malformed provenance, min mode (no layers), no Dockerfile or two: no map', () => {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a hand-broken copy of a real provenance
    const p = f.provenance as Record<string, any>;
    const meta = 'https://mobyproject.org/buildkit@v1#metadata';
    const without = (k: string) => {
      const copy = structuredClone(p);
      delete copy.metadata[meta][k];
      return copy;
    };
    expect(parseSourceMap(without('layers'))).toBeNull();
    expect(parseSourceMap(without('source'))).toBeNull();
    expect(parseSourceMap(null)).toBeNull();
    expect(parseSourceMap('x')).toBeNull();
    const two = structuredClone(p);
    two.metadata[meta].source.infos.push(two.metadata[meta].source.infos[0]);
    expect(parseSourceMap(two)).toBeNull();
    const bad = structuredClone(p);
    bad.metadata[meta].layers['step1:0'] = [[{ digest: 'sha256:../../etc' }]];
    expect(parseSourceMap(bad)).toBeNull();
    const proto = structuredClone(p);
    proto.metadata[meta].source.locations = JSON.parse('{"__proto__": {"locations": []}}');
    expect(parseSourceMap(proto)?.steps.every((s) => s.places.length === 0)).toBe(true);
  });

  it('a map as large as the parser lets through is read in one pass per layer length', () => {
    // 20,000 steps whose outputs share the image's first 100 layers: each layer is compared with the steps of its
    // length only. A step on no instruction names no line.
    const ids = Array.from({ length: 100 }, (_, i) => `sha256:${i.toString(16).padStart(64, '0')}`);
    const big: SourceMap = {
      dockerfile: map.dockerfile,
      steps: Array.from({ length: 20_000 }, (_, i) => ({
        chain: ids.slice(0, 1 + (i % 100)),
        inputs: [],
        places: [{ start: 10_000 + i, end: 10_000 + i }],
      })),
    };
    const layers = ids.map((diffId) => ({ diffId, digest: null }));
    expect(sourceMapLines(big, facts, 'Dockerfile', layers, null).every((l) => l === null)).toBe(true);
  });
});
