import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cachedSteps, exportsCompressed, parseBuilderInspect } from '../../src/build/builder.js';
import { buildxArgs } from '../../src/build/buildx-args.js';
import { withExactSizes } from '../../src/measure/exact-sizes.js';
import { buildInputs } from '../helpers/inputs.js';
import { report } from '../helpers/reports.js';

const fixture = (name: string) => readFileSync(join(import.meta.dirname, '../fixtures', name), 'utf8');

describe('the buildx builder', () => {
  it('reads the name and driver from docker buildx inspect (captured from buildx 0.13.1)', () => {
    const container = parseBuilderInspect(fixture('buildx-inspect-docker-container.txt'))!;
    expect(container).toEqual({ name: 'dsg-container', driver: 'docker-container' });
    expect(exportsCompressed(container)).toBe(true);
    const docker = parseBuilderInspect(fixture('buildx-inspect-docker.txt'))!;
    expect(docker).toEqual({ name: 'default', driver: 'docker' });
    expect(exportsCompressed(docker)).toBe(false);
    expect(parseBuilderInspect('ERROR: no builder "x" found')).toBeNull();
  });

  it('counts the Dockerfile steps and the cached ones in plain progress (captured)', () => {
    expect(cachedSteps(fixture('buildx-progress-cached.txt'))).toEqual({ steps: 2, cached: 1 });
    expect(cachedSteps('#7 [build 2/4] RUN make\n#7 CACHED\n#8 [stage-1 1/2] COPY --from=build / /\n')).toEqual({
      steps: 2,
      cached: 1,
    });
  });

  it('asks for a second, OCI output beside --load when the builder exports compressed blobs', () => {
    const inputs = buildInputs({ builder: 'ci' });
    const argv = buildxArgs(inputs, {
      root: '/ws',
      tag: 't',
      iidFile: 'i',
      metadataFile: 'm',
      exportDest: '/tmp/e.tar',
    });
    expect(argv.join(' ')).toContain('--load --output type=oci,dest=/tmp/e.tar');
  });
});

describe('exact compressed sizes from an export', () => {
  it('replaces the estimates layer by layer (matched by diff_id) and sums each blob once, with the config', () => {
    const r = report([
      { id: 'a', size: 1000 },
      { id: 'b', size: 2000 },
      { id: 'a', size: 1000 },
    ]);
    const out = withExactSizes(r, {
      configSize: 300,
      layers: [
        { diffId: 'sha256:a', digest: 'sha256:za', size: 400 },
        { diffId: 'sha256:b', digest: 'sha256:zb', size: 900 },
      ],
    });
    expect(out.layers.map((l) => [l.digest, l.compressedBytes, l.compressedIsEstimate])).toEqual([
      ['sha256:za', 400, false],
      ['sha256:zb', 900, false],
      ['sha256:za', 400, false],
    ]);
    expect(out.compressedBytes).toBe(300 + 400 + 900);
    expect(out.compressedIsEstimate).toBe(false);
    // A layer the export lacks keeps its estimate, and says so.
    const partial = withExactSizes(r, {
      configSize: 300,
      layers: [{ diffId: 'sha256:a', digest: 'sha256:za', size: 400 }],
    });
    expect(partial.compressedIsEstimate).toBe(true);
    expect(partial.layers[1]!.compressedBytes).toBe(r.layers[1]!.compressedBytes);
  });
});
