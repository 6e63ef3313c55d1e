// Bundles the action (src/index.ts → dist/index.js) and the CLI (src/cli/index.ts → dist/cli/main.js, started by
// dist/cli/index.js) with ncc, as ES modules.
import ncc from '@vercel/ncc';
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const outRoot = process.argv[2] ? resolve(process.argv[2]) : join(root, 'dist');

/**
 * dockerode's build sessions (`buildImage` with a session) require gRPC when dockerode loads, used or not: 17 MB of
 * every daemon measure's memory (npm run bench). Nothing here starts a build session, so gRPC stays out of the
 * bundle: its two modules resolve to this file, beside each bundle, which fails in one line if ever used.
 */
const GRPC_STUB = 'grpc-left-out.cjs';
const grpcStub = `// ${'@'}grpc/grpc-js and ${'@'}grpc/proto-loader, which dockerode's build sessions require: left out (scripts/build.mjs).
module.exports = new Proxy({}, {
  get(_, key) {
    if (typeof key === 'symbol' || key === '__esModule' || key === 'then') return undefined;
    throw new Error('gRPC is left out of docker-size-guard (dockerode build sessions are not used): ' + String(key));
  },
});
`;

const bundles = [
  { entry: 'src/index.ts', out: '.' },
  { entry: 'src/cli/index.ts', out: 'cli' },
];

await rm(outRoot, { recursive: true, force: true });
for (const { entry, out } of bundles) {
  const { code, assets } = await ncc(join(root, entry), {
    minify: false,
    sourceMap: false,
    license: 'licenses.txt',
    quiet: true,
    target: 'es2022',
    externals: { '@grpc/grpc-js': `./${GRPC_STUB}`, '@grpc/proto-loader': `./${GRPC_STUB}` },
  });
  const dir = join(outRoot, out);
  await mkdir(dir, { recursive: true });
  // CommonJS dependencies that read __dirname (ssh2's poly1305, via dockerode) get the bundle's own directory.
  const dirnameShim =
    "import { dirname as __dsgDirname } from 'node:path';\nimport { fileURLToPath as __dsgFileURLToPath } from 'node:url';\n" +
    'const __filename = __dsgFileURLToPath(import.meta.url);\nconst __dirname = __dsgDirname(__filename);\n';
  const body = dirnameShim + code.replace(/^#!.*\n/, '');
  // Peak RSS on multi-GB images, at no measured cost in speed (npm run bench, docs/performance.md): a small young
  // generation; and glibc's malloc held to two arenas (V8's and libuv's threads each got one) and to a fixed mmap
  // threshold (the dynamic one rises with each large free, and later buffers stay in the heap after they are freed).
  // Other C libraries ignore the two variables.
  const shebang =
    out === 'cli'
      ? '#!/usr/bin/env -S MALLOC_ARENA_MAX=2 MALLOC_MMAP_THRESHOLD_=262144 node --max-semi-space-size=1\n'
      : '';
  if (out === 'cli') {
    // The bin is a loader: Node's compile cache only keeps modules compiled after it is on, and compiling the
    // 1.5 MB bundle is most of the CLI's start (measuring busybox: median 0.43 → 0.33 s). It is kept with the
    // user's caches ($XDG_CACHE_HOME or ~/.cache), not in TMPDIR, where the CLI leaves nothing; NODE_COMPILE_CACHE
    // puts it elsewhere, NODE_DISABLE_COMPILE_CACHE=1 turns it off. Node 20 has none: the bundle then says it needs 22.
    const loader = `import * as nodeModule from 'node:module';
import { homedir } from 'node:os';
import { join } from 'node:path';

try {
  const caches = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  nodeModule.enableCompileCache?.(process.env.NODE_COMPILE_CACHE || join(caches, 'docker-size-guard', 'node-compile-cache'));
} catch {
  // no home, or a cache directory it cannot write: compiled as without one
}
await import('./main.js');
`;
    await writeFile(join(dir, 'main.js'), body);
    await writeFile(join(dir, 'index.js'), shebang + loader, { mode: 0o755 });
  } else await writeFile(join(dir, 'index.js'), body);
  await writeFile(join(dir, GRPC_STUB), grpcStub);
  for (const [name, asset] of Object.entries(assets)) {
    // Keep the bundle free of binaries and of duplicated license files (licenses.txt has them all), and of gRPC's
    // .proto files: dockerode's build sessions and gRPC's channelz/ORCA load them only when used, and nothing
    // here uses them.
    if (['.node', '.exe', '/LICENSE', '.proto'].some((end) => name.endsWith(end))) continue;
    await mkdir(dirname(join(dir, name)), { recursive: true });
    // Chunks (dockerode is loaded on first use) are modules of their own: they need the same shim.
    const chunk = /^\d+\.index\.js$/.test(name);
    await writeFile(join(dir, name), chunk ? dirnameShim + asset.source.toString() : asset.source);
  }
}
await writeFile(join(outRoot, 'package.json'), '{ "type": "module" }\n');
console.log(`built ${(await readdir(outRoot)).join(', ')} in ${outRoot}`);
