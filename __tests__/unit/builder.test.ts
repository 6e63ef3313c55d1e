import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cachedSteps, parseBuilderInspect } from '../../src/buildx/builder.js';
import { stepLines } from '../../src/buildx/progress.js';
import { buildxArgs } from '../../src/buildx/buildx-args.js';
import { buildInputs } from '../helpers/inputs.js';

const VERSIONS = ['0.13.1', '0.29.1'] as const;
const fixture = (version: string, name: string) =>
  readFileSync(join(import.meta.dirname, '../fixtures', `buildx-${version}`, name), 'utf8');

describe('the buildx builder', () => {
  // Captured from each buildx provisioning has installed: 0.13.1 (Debian trixie) and 0.29.1 (runners' current).
  for (const version of VERSIONS) {
    it(`reads the name, driver and native platform from docker buildx inspect, and whether the build can export (buildx ${version})`, () => {
      expect(parseBuilderInspect(fixture(version, 'buildx-inspect-docker-container.txt'))).toEqual({
        builder: { name: 'dsg-container', driver: 'docker-container' },
        exports: true,
        native: 'linux/amd64',
      });
      // The docker driver on the classic store (BuildKit's moby worker) cannot export; on the containerd store it can.
      expect(parseBuilderInspect(fixture(version, 'buildx-inspect-docker.txt'))).toEqual({
        builder: { name: 'default', driver: 'docker' },
        exports: false,
        native: 'linux/amd64',
      });
      expect(parseBuilderInspect(fixture(version, 'buildx-inspect-docker-containerd.txt'))).toEqual({
        builder: { name: 'default', driver: 'docker' },
        exports: true,
        native: 'linux/amd64',
      });
    });

    it(`counts the Dockerfile steps and the cached ones in plain progress (buildx ${version})`, () => {
      expect(cachedSteps(fixture(version, 'buildx-progress-cached.txt'))).toEqual({ steps: 2, cached: 1 });
    });
  }

  it('a builder without platforms, an error, and stage-named steps', () => {
    expect(parseBuilderInspect('Name: b\nDriver: remote\n')?.native).toBeNull();
    expect(parseBuilderInspect('ERROR: no builder "x" found')).toBeNull();
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
  // 0.13.1's capture loaded the image (--load), 0.29.1's exported it (type=docker,dest=…), as the builds here do.
  const finished: Record<(typeof VERSIONS)[number], [string, string, string]> = {
    '0.13.1': ['44373ecc4fd3c6952488ffb7213578e3be23dc4808e66a35bbb9e0a543f7bc21', 'echo hi > /x (1.7s)', '(1.1s)'],
    '0.29.1': ['58d53789ef065853735bdd150f9aa467f8dba42e3d54e426f21a920f11719aac', 'echo hi2 > /x (0.1s)', '(0.6s)'],
  };
  for (const version of VERSIONS) {
    it(`names each step of the captured progress as it finishes, cached or done, and leaves out BuildKit’s own (buildx ${version})`, () => {
      const feed = stepLines();
      const out = fixture(version, 'buildx-progress-cached.txt')
        .split('\n')
        .map(feed)
        .filter((l): l is string => l !== null);
      const [digest, last, exported] = finished[version];
      expect(out).toEqual([
        `  done [1/3] FROM docker.io/library/debian:bookworm-slim@sha256:${digest} (0.0s)`,
        '  cached [2/3] RUN head -c 3000000 /dev/urandom > /r.bin',
        `  done [3/3] RUN ${last}`,
        `  done exporting to docker image format ${exported}`,
        ...(version === '0.13.1' ? ['  done importing to docker (0.0s)'] : []),
      ]);
    });
  }

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
