import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cachedSteps, parseBuilderInspect } from '../../src/buildx/builder.js';
import { buildxArgs } from '../../src/buildx/buildx-args.js';
import { buildInputs } from '../helpers/inputs.js';

const fixture = (name: string) => readFileSync(join(import.meta.dirname, '../fixtures', name), 'utf8');

describe('the buildx builder', () => {
  it('reads the name and driver from docker buildx inspect, and whether the build can export (captured from buildx 0.13.1)', () => {
    expect(parseBuilderInspect(fixture('buildx-inspect-docker-container.txt'))).toEqual({
      builder: { name: 'dsg-container', driver: 'docker-container' },
      exports: true,
    });
    // The docker driver on the classic store (BuildKit's moby worker) cannot export; on the containerd store it can.
    expect(parseBuilderInspect(fixture('buildx-inspect-docker.txt'))).toEqual({
      builder: { name: 'default', driver: 'docker' },
      exports: false,
    });
    expect(parseBuilderInspect(fixture('buildx-inspect-docker-containerd.txt'))).toEqual({
      builder: { name: 'default', driver: 'docker' },
      exports: true,
    });
    expect(parseBuilderInspect('ERROR: no builder "x" found')).toBeNull();
  });

  it('counts the Dockerfile steps and the cached ones in plain progress (captured)', () => {
    expect(cachedSteps(fixture('buildx-progress-cached.txt'))).toEqual({ steps: 2, cached: 1 });
    expect(cachedSteps('#7 [build 2/4] RUN make\n#7 CACHED\n#8 [stage-1 1/2] COPY --from=build / /\n')).toEqual({
      steps: 2,
      cached: 1,
    });
  });

  it('asks for one docker-format export instead of --load when the builder exports compressed blobs', () => {
    const inputs = buildInputs({ builder: 'ci' });
    const argv = buildxArgs(inputs, {
      root: '/ws',
      tag: 't',
      iidFile: 'i',
      metadataFile: 'm',
      exportDest: '/tmp/e.tar',
    });
    expect(argv.join(' ')).toContain('--output type=docker,dest=/tmp/e.tar');
    expect(argv).not.toContain('--load');
  });
});
