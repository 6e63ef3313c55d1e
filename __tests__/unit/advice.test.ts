import { describe, expect, it } from 'vitest';
import { advise } from '../../src/advice/advise.js';
import { newOrGrown } from '../../src/compare/findings.js';
import { parseDockerfile } from '../../src/advice/dockerfile.js';
import { ImageContents, LayerEntries, type LayerEntry } from '../../src/model/contents.js';
import type { ImageReport } from '../../src/model/image-report.js';

const MB = 1_000_000;
const file = (path: string, size: number): LayerEntry => ({ path, kind: 'file', size });

function report(layers: { instruction: string; entries: LayerEntry[] }[], user = ''): ImageReport {
  return {
    reference: 'test',
    source: { transport: 'docker-daemon' },
    platform: 'linux/amd64',
    configDigest: 'sha256:0',
    user,
    created: null,
    layerCount: layers.length,
    uncompressedBytes: 0,
    contentBytes: 0,
    compressedBytes: 0,
    compressedIsEstimate: false,
    layers: layers.map((l, index) => ({
      index,
      diffId: `sha256:${index}`,
      digest: null,
      instruction: l.instruction,
      uncompressedBytes: 0,
      // As the engine measures it: the layer's regular-file bytes.
      contentBytes: l.entries.reduce((n, e) => (e.kind === 'file' ? n + e.size : n), 0),
      compressedBytes: 0,
      compressedIsEstimate: false,
      files: l.entries.length,
    })),
    waste: null,
    contents: new ImageContents(layers.map((l) => LayerEntries.from(l.entries))),
  };
}

const rules = (r: ImageReport, dockerfile: string | null = null) =>
  advise({ report: r, dockerfile: dockerfile === null ? null : parseDockerfile('Dockerfile', dockerfile) })!.map(
    (f) => [f.rule, f.bytes],
  );

describe('advice that names packages', () => {
  it('says which dpkg packages own a toolchain, largest first', () => {
    const status =
      'Package: gcc-12\nStatus: install ok installed\nVersion: 12.2.0-14\n\nPackage: cpp-12\nStatus: install ok installed\nVersion: 12.2.0-14\n';
    const gccList = '/usr/lib/gcc/x86_64-linux-gnu/12/cc1plus\n/usr/bin/gcc-12\n';
    const cppList = '/usr/lib/gcc/x86_64-linux-gnu/12/cc1\n';
    const entries = [
      file('/usr/lib/gcc/x86_64-linux-gnu/12/cc1plus', 3 * MB),
      file('/usr/bin/gcc-12', MB),
      file('/usr/lib/gcc/x86_64-linux-gnu/12/cc1', 2 * MB),
      file('/usr/lib/gcc/x86_64-linux-gnu/12/unowned.o', 500_000),
      file('/var/lib/dpkg/status', status.length),
      file('/var/lib/dpkg/info/gcc-12.list', gccList.length),
      file('/var/lib/dpkg/info/cpp-12.list', cppList.length),
    ];
    const r = report([{ instruction: 'RUN apt-get install -y gcc', entries }]);
    const captured = [
      { path: '/var/lib/dpkg/status', body: Buffer.from(status), size: status.length },
      { path: '/var/lib/dpkg/info/gcc-12.list', body: Buffer.from(gccList), size: gccList.length },
      { path: '/var/lib/dpkg/info/cpp-12.list', body: Buffer.from(cppList), size: cppList.length },
    ];
    r.contents = new ImageContents([LayerEntries.from(entries)], [captured]);
    const cc = advise({ report: r, dockerfile: null })!.find((f) => f.key === 'toolchain:cc')!;
    expect(cc.bytes).toBe(6.5 * MB);
    expect(cc.message).toBe('a C/C++ compiler (gcc) in the final image: gcc-12 (4 MB), cpp-12 (2 MB)');
  });
});

describe('advice rules on synthetic layers', () => {
  const base = { instruction: '<missing>', entries: [file('/bin/sh', 100)] };

  it('finds apt lists left in a layer, with their bytes', () => {
    const r = report(
      [
        base,
        {
          instruction: 'RUN apt-get update && apt-get install -y curl',
          entries: [file('/var/lib/apt/lists/x_Packages', 3 * MB), file('/usr/bin/curl', 300)],
        },
      ],
      'nobody',
    );
    expect(rules(r)).toEqual([['package-cache', 3 * MB]]);
  });

  it('finds bytes written in one layer and deleted in a later one, not counted twice as a cache', () => {
    const r = report(
      [
        base,
        { instruction: 'RUN fetch', entries: [file('/tmp/big/a', 2 * MB), file('/var/lib/apt/lists/p', 2 * MB)] },
        {
          instruction: 'RUN rm -rf /tmp/big /var/lib/apt/lists/p',
          entries: [
            { path: '/tmp/big', kind: 'whiteout', size: 0 },
            { path: '/var/lib/apt/lists/p', kind: 'whiteout', size: 0 },
          ],
        },
      ],
      'nobody',
    );
    expect(rules(r)).toEqual([['deleted-later', 4 * MB]]);
  });

  it('finds a compiler on the final filesystem, and says root when there is no USER', () => {
    const r = report([
      base,
      {
        instruction: 'RUN apt-get install -y gcc',
        entries: [file('/usr/lib/gcc/x86_64-linux-gnu/12/cc1', 30 * MB), file('/usr/bin/gcc-12', MB)],
      },
    ]);
    expect(rules(r)).toEqual([
      ['toolchain', 31 * MB],
      ['root-user', 0],
    ]);
  });

  it('measures the single-stage saving from the toolchain-install layers, and finds nothing in the multi-stage split', () => {
    const single = report([
      base,
      {
        instruction: 'RUN /bin/sh -c apt-get update && apt-get install -y gcc # buildkit',
        entries: [file('/opt/tool/lib', 50 * MB)],
      },
      { instruction: 'COPY hello.c /src/hello.c # buildkit', entries: [file('/src/hello.c', 100)] },
      { instruction: 'RUN /bin/sh -c gcc -o /hello /src/hello.c # buildkit', entries: [file('/hello', 800_000)] },
    ]);
    const dockerfile =
      'FROM debian:bookworm-slim\nRUN apt-get update && apt-get install -y gcc\nCOPY hello.c /src/hello.c\nRUN gcc -o /hello /src/hello.c\n';
    expect(rules(single, dockerfile)).toContainEqual(['single-stage', 50 * MB]);

    const multi = report(
      [base, { instruction: 'COPY /hello /hello # buildkit', entries: [file('/hello', 800_000)] }],
      'nobody',
    );
    const split =
      'FROM debian:bookworm-slim AS build\nRUN apt-get update && apt-get install -y gcc\nRUN gcc -o /hello /src/hello.c\nFROM busybox\nCOPY --from=build /hello /hello\nUSER nobody\n';
    expect(rules(multi, split)).toEqual([]);
  });

  it('reports only findings new or grown in head', () => {
    const f = (key: string, bytes: number) => ({
      rule: 'toolchain' as const,
      key,
      layer: 1,
      instruction: '',
      bytes,
      estimate: false,
      message: '',
      fix: '',
      paths: [],
    });
    expect(newOrGrown([f('a', 100), f('b', 100)], [f('a', 100), f('b', 200), f('c', 1)]).map((x) => x.key)).toEqual([
      'b',
      'c',
    ]);
    expect(newOrGrown(null, [f('a', 1)]).map((x) => x.key)).toEqual(['a']);
  });
});
