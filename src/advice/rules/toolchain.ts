import type { Finding } from '../../model/finding.js';
import { MIN_FINDING_BYTES, namePackages, type Rule } from '../context.js';

const BIN = '^/usr/(local/)?bin/((x86_64|aarch64)-linux-gnu-)?';
const CC_BIN = new RegExp(`${BIN}(gcc|g\\+\\+|cpp|cc|c\\+\\+|clang|clang\\+\\+)(-[\\d.]+)?$`);
const BINUTILS_BIN = new RegExp(`${BIN}(as|ld|ld\\.bfd|ld\\.gold|objdump|objcopy|gprofng|lto-dump(-[\\d.]+)?)$`);
const BUILD_TOOLS_BIN = new RegExp(`${BIN}(make|cmake|autoconf|automake|libtool)$`);

const TOOLCHAINS: { id: string; what: string; test: (p: string) => boolean }[] = [
  {
    id: 'cc',
    what: 'a C/C++ compiler (gcc)',
    test: (p) => p.startsWith('/usr/lib/gcc/') || p.startsWith('/usr/libexec/gcc/') || CC_BIN.test(p),
  },
  {
    id: 'binutils',
    what: 'the assembler and linker (binutils)',
    test: (p) =>
      BINUTILS_BIN.test(p) || /^\/usr\/lib\/[^/]+-linux-gnu\/lib(bfd|opcodes|ctf|sframe|gprofng)[-.]/.test(p),
  },
  {
    id: 'build-tools',
    what: 'build tools (make, cmake, autotools)',
    test: (p) => BUILD_TOOLS_BIN.test(p) || /^\/usr\/share\/(cmake[^/]*|autoconf|automake[^/]*|libtool)\//.test(p),
  },
  {
    id: 'git',
    what: 'git',
    test: (p) => p === '/usr/bin/git' || p.startsWith('/usr/lib/git-core/') || p.startsWith('/usr/share/git-core/'),
  },
  {
    id: 'go',
    what: 'the Go toolchain',
    test: (p) => /^\/usr\/(lib|share)\/go-[\d.]+\//.test(p) || p.startsWith('/usr/local/go/'),
  },
  {
    id: 'rust',
    what: 'the Rust toolchain',
    test: (p) => p.startsWith('/usr/local/rustup/') || p.startsWith('/usr/local/cargo/') || p.includes('/.rustup/'),
  },
  {
    id: 'jdk',
    what: 'a JDK (compiler and tools)',
    test: (p) => /^\/(usr\/lib\/jvm|opt\/java)\/[^/]*jdk[^/]*\//.test(p),
  },
  {
    id: 'dotnet-sdk',
    what: 'the .NET SDK',
    test: (p) => /^\/usr\/(share|lib)\/dotnet\/sdk\//.test(p),
  },
  {
    id: 'headers',
    what: 'C headers and static libraries (-dev packages)',
    test: (p) =>
      p.startsWith('/usr/include/') ||
      p.startsWith('/usr/local/include/') ||
      (/^\/usr\/(local\/)?lib\//.test(p) && p.endsWith('.a')),
  },
];

/** Compilers, headers and SDKs on the final filesystem: a runtime image needs none of them. */
export const toolchain: Rule = (facts) => {
  // One pass: each file counts once, for the first toolchain it belongs to (Go's .a archives are Go's, not C's).
  // Files are kept as their nodes in the path tree: a toolchain is thousands of them.
  const owned = new Map<string, number[]>();
  facts.final.forEachWithBytes((path, node) => {
    const t = TOOLCHAINS.find((x) => x.test(path));
    if (!t) return;
    let list = owned.get(t.id);
    if (!list) owned.set(t.id, (list = []));
    list.push(node);
  });
  const findings: Finding[] = [];
  for (const t of TOOLCHAINS) {
    const files = owned.get(t.id) ?? [];
    const m = facts.summarizeFinal(files);
    if (m.bytes < MIN_FINDING_BYTES) continue;
    const named = namePackages(facts.owningPackages(files));
    const packages = named ? `: ${named}` : '';
    findings.push({
      rule: 'toolchain',
      key: `toolchain:${t.id}`,
      layer: m.layer,
      instruction: facts.instruction(m.layer),
      bytes: m.bytes,
      estimate: false,
      message: `${t.what} in the final image${packages}`,
      fix: 'build in a stage that has the toolchain and `COPY --from` only what runs; or remove the build dependencies (`apt-get purge --auto-remove`) in the `RUN` that used them',
      paths: m.paths,
    });
  }
  return findings;
};
