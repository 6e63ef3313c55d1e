import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cachedSteps, parseBuilderInspect } from '../../src/buildx/builder.js';
import { stepLines } from '../../src/buildx/progress.js';
import { buildxArgs } from '../../src/buildx/buildx-args.js';
import { buildInputs } from '../helpers/inputs.js';

const fixture = (name: string) => readFileSync(join(import.meta.dirname, '../fixtures', name), 'utf8');

describe('the buildx builder', () => {
  it('reads the name, driver and native platform from docker buildx inspect, and whether the build can export (captured from buildx 0.13.1)', () => {
    expect(parseBuilderInspect(fixture('buildx-inspect-docker-container.txt'))).toEqual({
      builder: { name: 'dsg-container', driver: 'docker-container' },
      exports: true,
      native: 'linux/amd64',
    });
    // The docker driver on the classic store (BuildKit's moby worker) cannot export; on the containerd store it can.
    expect(parseBuilderInspect(fixture('buildx-inspect-docker.txt'))).toEqual({
      builder: { name: 'default', driver: 'docker' },
      exports: false,
      native: 'linux/amd64',
    });
    expect(parseBuilderInspect(fixture('buildx-inspect-docker-containerd.txt'))).toEqual({
      builder: { name: 'default', driver: 'docker' },
      exports: true,
      native: 'linux/amd64',
    });
    expect(parseBuilderInspect('Name: b\nDriver: remote\n')?.native).toBeNull();
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

describe("buildx's progress, one line per finished step", () => {
  it('names each step of the captured progress as it finishes, cached or done, and leaves out BuildKit’s own', () => {
    const feed = stepLines();
    const text = readFileSync(join(import.meta.dirname, '../fixtures/buildx-progress-cached.txt'), 'utf8');
    const out = text
      .split('\n')
      .map(feed)
      .filter((l): l is string => l !== null);
    expect(out).toEqual([
      `  done [1/3] FROM docker.io/library/debian:bookworm-slim@sha256:44373ecc4fd3c6952488ffb7213578e3be23dc4808e66a35bbb9e0a543f7bc21 (0.0s)`,
      '  cached [2/3] RUN head -c 3000000 /dev/urandom > /r.bin',
      '  done [3/3] RUN echo hi > /x (1.7s)',
      '  done exporting to docker image format (1.1s)',
      '  done importing to docker (0.0s)',
    ]);
  });

  it("a step's output is never taken for its name or status", () => {
    const feed = stepLines();
    expect(feed('#5 [2/2] RUN echo x')).toBeNull();
    expect(feed('#5 0.120 DONE 9s')).toBeNull();
    expect(feed('#5 ERROR: process did not complete')).toBe('  failed [2/2] RUN echo x');
    expect(feed('not progress')).toBeNull();
  });

  it('two builds in a row number their steps alike: each step keeps its own build’s name', () => {
    const feed = stepLines();
    const lines = ['#5 [2/2] RUN one', '#5 DONE 1.0s', '#5 [2/2] RUN two', '#5 CACHED'];
    expect(lines.map(feed)).toEqual([null, '  done [2/2] RUN one (1.0s)', null, '  cached [2/2] RUN two']);
  });
});
