import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { compare } from '../../src/compare/compare.js';
import { packagesChange } from '../../src/compare/packages.js';
import { compareDebian, compareVersions } from '../../src/compare/versions.js';
import { analyzeLayer } from '../../src/measure/layer.js';
import { captureRule, CAPTURE_BUDGET } from '../../src/measure/packages/capture.js';
import { imagePackages } from '../../src/measure/packages/inventory.js';
import { parseStanzas } from '../../src/measure/packages/deb.js';
import { packageDirOf } from '../../src/measure/packages/node.js';
import { eachLine, lines } from '../../src/measure/packages/reader.js';
import { ImageContents } from '../../src/model/contents.js';
import type { ImageReport } from '../../src/model/image-report.js';
import { NO_RULES } from '../../src/model/comparison.js';
import type { Ecosystem, PackageInventory } from '../../src/model/packages.js';
import { chunksOf, tarOf, type Spec } from '../helpers/archives.js';

/** Layers as real tars, read by the measuring pass with capture on, as an image's contents. */
async function contentsOf(layers: Spec[][], budget = CAPTURE_BUDGET): Promise<ImageContents> {
  const shared = { remaining: budget };
  const stats = [];
  for (const specs of layers) {
    stats.push(
      await analyzeLayer(chunksOf(await tarOf(specs), 4096), {
        files: true,
        estimate: false,
        keepEntries: true,
        captureBudget: shared,
      }),
    );
  }
  return new ImageContents(
    stats.map((s) => s.entries!),
    stats.map((s) => s.captured!),
  );
}

const file = (name: string, content: string | number): Spec => ({ name, content });
const size = (c: string | number) => (typeof c === 'number' ? c : Buffer.byteLength(c));

function stanza(fields: Record<string, string>): string {
  return Object.entries(fields)
    .map(([k, v]) => `${k}: ${v}`)
    .join('\n');
}

function ecosystem(inv: PackageInventory, e: Ecosystem) {
  const found = inv.ecosystems.find((x) => x.ecosystem === e);
  expect(found, `${e} found`).toBeDefined();
  return found!;
}

describe('which files the measuring pass keeps', () => {
  it('captures the package databases and nothing else', () => {
    const yes = [
      '/var/lib/dpkg/status',
      '/var/lib/dpkg/info/libc6:amd64.list',
      '/var/lib/dpkg/status.d/base-files',
      '/lib/apk/db/installed',
      '/usr/lib/python3/dist-packages/pip-23.0.1.dist-info/RECORD',
      '/usr/local/lib/python3.11/site-packages/flask-3.0.0.dist-info/METADATA',
      '/usr/lib/python3/dist-packages/foo.egg-info/PKG-INFO',
      '/usr/lib/python3/dist-packages/foo.egg-info/installed-files.txt',
      '/usr/lib/python3/dist-packages/mercurial-6.3.2.egg-info',
      '/app/node_modules/express/package.json',
      '/app/node_modules/@types/node/package.json',
      '/app/node_modules/a/node_modules/b/package.json',
    ];
    const no = [
      '/var/lib/dpkg/status-old',
      '/var/lib/dpkg/info/libc6:amd64.md5sums',
      '/var/lib/dpkg/info/sub/x.list',
      '/etc/status',
      '/app/package.json',
      '/app/node_modules/express/lib/package.json',
      '/app/RECORD',
      '/usr/lib/python3/dist-packages/pip/METADATA',
    ];
    for (const p of yes) expect(captureRule(p), p).not.toBeNull();
    for (const p of no) expect(captureRule(p), p).toBeNull();
  });
});

describe('dpkg', () => {
  const bash = 'x'.repeat(1200);
  const libc = 'y'.repeat(3000);
  const docs = 'z'.repeat(500);
  const status = [
    stanza({
      Package: 'bash',
      Status: 'install ok installed',
      Architecture: 'amd64',
      Version: '5.2.15-2+b2',
      'Installed-Size': '7',
      Description: 'GNU Bourne Again SHell\n its long description',
    }),
    stanza({
      Package: 'libc6',
      Status: 'install ok installed',
      Architecture: 'amd64',
      Source: 'glibc',
      Version: '2.36-9+deb12u4',
      'Installed-Size': '12',
    }),
    stanza({ Package: 'oldpkg', Status: 'deinstall ok config-files', Architecture: 'amd64', Version: '1' }),
    'this line is not a field',
  ].join('\n\n');

  const base: Spec[] = [
    { name: 'usr/', type: 'directory' },
    { name: 'bin', type: 'symlink', linkname: 'usr/bin' },
    file('usr/bin/bash', bash),
    file('usr/lib/x86_64-linux-gnu/libc.so.6', libc),
    file('usr/share/doc/libc6/README', docs),
    file('etc/hostname', 'unowned\n'),
    file('var/lib/dpkg/status', status),
    // dpkg names bash through the /bin link, as on a merged-/usr system; a `../` path must not escape.
    file('var/lib/dpkg/info/bash.list', '/.\n/bin\n/bin/bash\n/../../etc/shadow\n'),
    file('var/lib/dpkg/info/libc6:amd64.list', '/usr/lib/x86_64-linux-gnu/libc.so.6\n/usr/share/doc/libc6/README\n'),
    file('var/lib/dpkg/info/oldpkg.list', '/etc/hostname\n'),
  ];

  it('reads installed packages, their exact bytes through directory links, and what no package owns', async () => {
    const inv = imagePackages(await contentsOf([base])).inventory;
    const deb = ecosystem(inv, 'deb');
    const byName = new Map(deb.packages.map((p) => [p.name, p]));
    expect([...byName.keys()].sort()).toEqual(['bash', 'libc6']);
    // bash.list names the /bin link itself too: a package owns the links it ships (0 bytes each).
    expect(byName.get('bash')).toMatchObject({ version: '5.2.15-2+b2', arch: 'amd64', bytes: bash.length, files: 2 });
    expect(byName.get('bash')!.declaredBytes).toBe(7 * 1024);
    expect(byName.get('libc6')).toMatchObject({ source: 'glibc', bytes: libc.length + docs.length, files: 2 });
    const finalBytes = base.filter((s) => s.type === undefined).reduce((t, s) => t + size(s.content!), 0);
    expect(inv.finalBytes).toBe(finalBytes);
    // What no package lists: the hostname, the database itself. Each owned byte counted once, none twice.
    expect(deb.unowned.bytes).toBe(finalBytes - bash.length - libc.length - docs.length);
    expect(deb.notes.join('\n')).toMatch(/1 malformed line/);
    expect(deb.notes.join('\n')).toMatch(/1 path outside the image's root ignored/);
  });

  it('diffs an upgrade, a removal and a deleted file, adding up to the final filesystem change exactly', async () => {
    const bash2 = 'x'.repeat(1500);
    const upgrade: Spec[] = [
      file('usr/bin/bash', bash2),
      // dpkg writes an upgraded package's file list again: that is the layer that installed it.
      file('var/lib/dpkg/info/bash.list', '/.\n/bin\n/bin/bash\n'),
      { name: 'usr/share/doc/libc6/.wh.README', content: '' },
      file(
        'var/lib/dpkg/status',
        status.replace('5.2.15-2+b2', '5.2.21-2') +
          '\n\n' +
          stanza({ Package: 'curl', Status: 'install ok installed', Version: '7.88.1-10', Architecture: 'amd64' }),
      ),
      file('var/lib/dpkg/info/curl.list', '/usr/bin/curl\n'),
      file('usr/bin/curl', 'c'.repeat(800)),
    ];
    const baseReport = reportOf(await contentsOf([base]));
    const headReport = reportOf(await contentsOf([base, upgrade]));
    const change = packagesChange(baseReport, headReport)!;
    const deb = change.ecosystems.find((e) => e.ecosystem === 'deb')!;
    const byName = new Map(deb.changes.map((c) => [c.name, c]));
    expect(byName.get('bash')).toMatchObject({
      kind: 'upgraded',
      baseVersion: '5.2.15-2+b2',
      headVersion: '5.2.21-2',
      delta: 300,
      layer: 1,
    });
    expect(byName.get('libc6')).toMatchObject({ kind: 'shrunk', delta: -docs.length });
    expect(byName.get('curl')).toMatchObject({ kind: 'added', delta: 800, layer: 1, side: 'head' });
    const sum = deb.changes.reduce((s, c) => s + c.delta, 0) + deb.unowned.delta;
    expect(sum).toBe(headReport.packages!.finalBytes - baseReport.packages!.finalBytes);
  });

  it('skips a status file over its limit with one note, and reads distroless status.d', async () => {
    const big: Spec[] = [file('var/lib/dpkg/status', 17 * 1024 * 1024)];
    const inv = imagePackages(await contentsOf([big])).inventory;
    expect(inv.ecosystems).toEqual([]);
    expect(inv.notRead).toEqual([
      {
        ecosystem: 'deb',
        reason: expect.stringMatching(/^\/var\/lib\/dpkg\/status is 17825792 bytes, over the limit/),
      },
    ]);
    const distroless = await contentsOf([
      [
        file(
          'var/lib/dpkg/status.d/base-files',
          stanza({ Package: 'base-files', Version: '12.4+deb12u5', Architecture: 'amd64' }),
        ),
        file('var/lib/dpkg/status.d/base-files.md5sums', `${'0'.repeat(32)}  etc/debian_version\n`),
        file('etc/debian_version', '12.5\n'),
      ],
    ]);
    const d = ecosystem(imagePackages(distroless).inventory, 'deb');
    expect(d.packages).toMatchObject([{ name: 'base-files', bytes: 5, files: 1 }]);
  });

  it('parses deb822 paragraphs: continuation lines, blank-line separators, a package limit', () => {
    const text = 'Package: a\nDescription: x\n more\n\n\nPackage: b\n\nPackage: c\n';
    expect(parseStanzas(text).stanzas.map((s) => s.get('Package'))).toEqual(['a', 'b', 'c']);
    expect(parseStanzas(text, 2).stanzas).toHaveLength(2);
    const many = Array.from({ length: 60_000 }, (_, i) => `Package: p${i}`).join('\n\n');
    expect(parseStanzas(many).stanzas).toHaveLength(50_000);
  });
});

function reportOf(contents: ImageContents): ImageReport {
  return {
    reference: 'test',
    source: { transport: 'test' },
    platform: 'linux/amd64',
    configDigest: 'sha256:0',
    user: '',
    created: null,
    layerCount: contents.layers.length,
    uncompressedBytes: 0,
    contentBytes: 0,
    compressedBytes: 0,
    compressedIsEstimate: false,
    layers: contents.layers.map((_, i) => ({
      index: i,
      diffId: `sha256:${i}`,
      digest: null,
      instruction: `RUN step ${i}`,
      uncompressedBytes: 0,
      contentBytes: 0,
      compressedBytes: 0,
      compressedIsEstimate: false,
      files: 0,
    })),
    waste: null,
    packages: imagePackages(contents).inventory,
    contents,
  };
}

describe('apk', () => {
  it('reads P/V/A/I and the F/R file lists', async () => {
    const db = [
      'C:Q1abc=\nP:musl\nV:1.2.4-r2\nA:x86_64\nI:647168\nF:lib\nR:ld-musl-x86_64.so.1\nR:libc.musl-x86_64.so.1',
      'P:busybox\nV:1.36.1-r5\nA:x86_64\nI:946176\no:busybox\nF:bin\nR:busybox\nF:etc\nR:securetty',
      'V:no-name',
    ].join('\n\n');
    const contents = await contentsOf([
      [
        file('lib/apk/db/installed', db + '\n'),
        file('lib/ld-musl-x86_64.so.1', 600),
        { name: 'lib/libc.musl-x86_64.so.1', type: 'symlink', linkname: 'ld-musl-x86_64.so.1' },
        file('bin/busybox', 900),
        file('etc/securetty', 20),
        file('etc/motd', 30),
      ],
    ]);
    const inv = imagePackages(contents).inventory;
    const apk = ecosystem(inv, 'apk');
    expect(apk.packages.map((p) => [p.name, p.version, p.bytes, p.files, p.declaredBytes])).toEqual([
      ['busybox', '1.36.1-r5', 920, 2, 946176],
      ['musl', '1.2.4-r2', 600, 2, 647168],
    ]);
    expect(apk.unowned.bytes).toBe(30 + Buffer.byteLength(db + '\n'));
    expect(apk.notes.join()).toMatch(/1 malformed/);
  });
});

describe('python', () => {
  it('reads dist-info RECORD (quoted paths, scripts outside site-packages), egg-info and a file another layer deleted', async () => {
    const site = 'usr/local/lib/python3.11/site-packages';
    const record = [
      'flask/__init__.py,sha256=abc,100',
      '"flask/a,b.py",sha256=def,50',
      '../../../bin/flask,sha256=ghi,30',
      'flask-3.0.0.dist-info/METADATA,,',
      'flask-3.0.0.dist-info/RECORD,,',
      '../../../../../../../../etc/passwd,,',
    ].join('\n');
    const layer0: Spec[] = [
      file(`${site}/flask/__init__.py`, 100),
      file(`${site}/flask/a,b.py`, 50),
      file('usr/local/bin/flask', 30),
      file(
        `${site}/flask-3.0.0.dist-info/METADATA`,
        'Metadata-Version: 2.1\nName: Flask\nVersion: 3.0.0\n\nName: not-this\n',
      ),
      file(`${site}/flask-3.0.0.dist-info/RECORD`, record),
      file(`${site}/six.egg-info/PKG-INFO`, 'Name: six\nVersion: 1.16.0\n'),
      file(`${site}/six.egg-info/installed-files.txt`, '../six.py\nPKG-INFO\ninstalled-files.txt\n'),
      file(`${site}/six.py`, 700),
      file(`${site}/legacy-1.0.egg-info`, 'Name: legacy\nVersion: 1.0\n'),
    ];
    const layer1: Spec[] = [{ name: `${site}/flask/.wh.a,b.py`, content: '' }];
    const inv = imagePackages(await contentsOf([layer0, layer1])).inventory;
    const py = ecosystem(inv, 'python');
    const flask = py.packages.find((p) => p.name === 'Flask')!;
    const metadata = Buffer.byteLength('Metadata-Version: 2.1\nName: Flask\nVersion: 3.0.0\n\nName: not-this\n');
    expect(flask).toMatchObject({ version: '3.0.0', location: `/${site}`, files: 4 });
    expect(flask.bytes).toBe(100 + 30 + metadata + Buffer.byteLength(record));
    const six = py.packages.find((p) => p.name === 'six')!;
    expect(six.bytes).toBe(
      700 +
        Buffer.byteLength('Name: six\nVersion: 1.16.0\n') +
        Buffer.byteLength('../six.py\nPKG-INFO\ninstalled-files.txt\n'),
    );
    expect(py.packages.find((p) => p.name === 'legacy')).toMatchObject({ version: '1.0', files: 1 });
    expect(py.notes.join()).toMatch(/1 path outside the image's root ignored/);
    // Every file left on the final filesystem is some distribution's; the deleted a,b.py counts for none.
    expect(py.unowned).toEqual({ bytes: 0, files: 0 });
  });
});

describe('file lists read a line at a time', () => {
  it('gives the lines that splitting the whole text gives, LF or CRLF', () => {
    for (const text of ['', 'a', 'a\n', 'a\r\nb', 'a\n\nb\r\n', '\r\n', 'x\ry\n', '\n\n'])
      expect([...eachLine(text)]).toEqual(lines(text));
  });
});

describe('python egg-info without a file list', () => {
  it('owns what is below its directory and its top-level modules, walked in the path tree', async () => {
    const site = 'usr/lib/python3/dist-packages';
    const info = 'Name: pkg\nVersion: 2.0\n';
    const layer0: Spec[] = [
      file(`${site}/pkg-2.0.egg-info/PKG-INFO`, info),
      file(`${site}/pkg-2.0.egg-info/top_level.txt`, 'pkg\r\n'),
      file(`${site}/pkg/__init__.py`, 11),
      file(`${site}/pkg/sub/deep.py`, 222),
      file(`${site}/pkg/gone.py`, 5000),
      // Same prefix, another directory: not pkg's.
      file(`${site}/pkgextra/x.py`, 3000),
      file(`${site}/pkg.py`, 44),
    ];
    const layer1: Spec[] = [{ name: `${site}/pkg/.wh.gone.py`, content: '' }];
    const py = ecosystem(imagePackages(await contentsOf([layer0, layer1])).inventory, 'python');
    const pkg = py.packages.find((p) => p.name === 'pkg')!;
    expect(pkg).toMatchObject({ version: '2.0', files: 5 });
    expect(pkg.bytes).toBe(size(info) + size('pkg\r\n') + 11 + 222 + 44);
    expect(py.unowned).toEqual({ bytes: 3000, files: 1 });
  });
});

describe('node', () => {
  it('gives each file to the innermost package: nested node_modules, scopes, an unreadable package.json', async () => {
    const nm = 'app/node_modules';
    const contents = await contentsOf([
      [
        file(`${nm}/express/package.json`, JSON.stringify({ name: 'express', version: '4.18.2' })),
        file(`${nm}/express/index.js`, 400),
        file(`${nm}/express/node_modules/debug/package.json`, JSON.stringify({ name: 'debug', version: '2.6.9' })),
        file(`${nm}/express/node_modules/debug/src/index.js`, 250),
        file(`${nm}/@types/node/package.json`, JSON.stringify({ name: '@types/node', version: '20.1.0' })),
        file(`${nm}/@types/node/index.d.ts`, 900),
        file(`${nm}/broken/package.json`, '{not json'),
        file(`${nm}/broken/x.js`, 10),
        { name: `${nm}/.bin/express`, type: 'symlink', linkname: '../express/bin/express' },
        file('app/server.js', 77),
      ],
    ]);
    const inv = imagePackages(contents).inventory;
    const node = ecosystem(inv, 'node');
    const by = new Map(node.packages.map((p) => [p.location, p]));
    const pj = (o: object) => Buffer.byteLength(JSON.stringify(o));
    expect(by.get(`/${nm}/express`)).toMatchObject({
      name: 'express',
      bytes: 400 + pj({ name: 'express', version: '4.18.2' }),
    });
    expect(by.get(`/${nm}/express/node_modules/debug`)).toMatchObject({
      name: 'debug',
      version: '2.6.9',
      bytes: 250 + pj({ name: 'debug', version: '2.6.9' }),
    });
    expect(by.get(`/${nm}/@types/node`)).toMatchObject({ name: '@types/node', version: '20.1.0' });
    expect(by.get(`/${nm}/broken`)).toMatchObject({ name: 'broken', version: '', bytes: 10 + 9 });
    expect(node.notes.join()).toMatch(/1 package.json unreadable/);
    // Outside every package: the application's own server.js and the .bin link.
    expect(node.unowned).toEqual({ bytes: 77, files: 2 });
    expect(packageDirOf('/a/node_modules/@s/p/x/y.js')).toBe('/a/node_modules/@s/p');
    expect(packageDirOf('/a/node_modules/p')).toBeNull();
  });
});

describe('hostile inventories', () => {
  it('drops bodies past the image budget and says which file lists it could not read', async () => {
    const contents = await contentsOf(
      [
        [
          file('var/lib/dpkg/status', stanza({ Package: 'a', Version: '1', Status: 'install ok installed' })),
          file('var/lib/dpkg/info/a.list', '/big\n'),
          file('big', 5000),
        ],
      ],
      Buffer.byteLength(stanza({ Package: 'a', Version: '1', Status: 'install ok installed' })) + 2,
    );
    const inv = imagePackages(contents).inventory;
    const deb = ecosystem(inv, 'deb');
    expect(deb.packages).toMatchObject([{ name: 'a', bytes: 0 }]);
    expect(deb.notes.join()).toMatch(/1 file list over the size limit/);
  });
});

/** `dpkg --compare-versions A OP B`: exit 0 when it holds. */
function dpkgSays(a: string, op: string, b: string): boolean {
  return spawnSync('dpkg', ['--compare-versions', a, op, b]).status === 0;
}

describe('version order', () => {
  const pairs: [string, string][] = [
    ['1.0', '1.0'],
    ['1.0', '1.1'],
    ['1.0~rc1', '1.0'],
    ['1.0~rc1', '1.0~rc1~a'],
    ['1:1.0', '2.0'],
    ['2.36-9+deb12u4', '2.36-9+deb12u10'],
    ['3.0.11-1~deb12u2', '3.0.13-1~deb12u1'],
    ['1.0a', '1.0+'],
    ['1.0-1', '1.0'],
    ['7.88.1-10+deb12u5', '7.88.1-10+deb12u12'],
    ['0.9.8zh', '0.9.8za'],
    ['1.00', '1.0'],
    ['1.2.4-r2', '1.2.4-r10'],
  ];
  it("orders Debian versions as dpkg --compare-versions does (this machine's dpkg)", () => {
    for (const [a, b] of pairs) {
      const lt = dpkgSays(a, 'lt', b);
      const eq = dpkgSays(a, 'eq', b);
      expect(compareDebian(a, b), `${a} vs ${b}`).toBe(lt ? -1 : eq ? 0 : 1);
      expect(compareDebian(b, a), `${b} vs ${a}`).toBe(lt ? 1 : eq ? 0 : -1);
    }
  });
  it('orders npm and Python versions by their own rules, and says when it cannot', () => {
    expect(compareVersions('node', '4.18.2', '4.19.0')).toBe(-1);
    expect(compareVersions('node', '1.0.0-beta', '1.0.0')).toBe(-1);
    expect(compareVersions('node', 'latest', '1.0.0')).toBeNull();
    expect(compareVersions('python', '1.0rc1', '1.0')).toBe(-1);
    expect(compareVersions('python', '2.0.post1', '2.0')).toBe(1);
    expect(compareVersions('python', 'not a version', '1')).toBeNull();
  });
});

describe('the package change in a comparison', () => {
  it('is recomputed by compare() from the two inventories and absent without a base', async () => {
    const contents = await contentsOf([[file('var/lib/dpkg/status', stanza({ Package: 'a', Version: '1' }))]]);
    const r = reportOf(contents);
    expect(compare(null, r, NO_RULES).packages).toBeNull();
    expect(compare(r, r, NO_RULES).packages!.ecosystems[0]!.changes).toEqual([]);
  });
});
