import { MIN_FINDING_BYTES, type Rule } from '../context.js';

interface Cache {
  id: string;
  what: string;
  test: (path: string) => boolean;
  fix: string;
}

export const CACHES: Cache[] = [
  {
    id: 'apt',
    what: 'apt package lists and downloaded packages',
    test: (p) => p.startsWith('/var/lib/apt/lists/') || p.startsWith('/var/cache/apt/'),
    fix: 'end the same `RUN` with `rm -rf /var/lib/apt/lists/*` (and `apt-get clean`), or use `RUN --mount=type=cache,target=/var/cache/apt`',
  },
  {
    id: 'apk',
    what: 'the apk cache',
    test: (p) => p.startsWith('/var/cache/apk/'),
    fix: 'use `apk add --no-cache`',
  },
  {
    id: 'pip',
    what: 'the pip cache',
    test: (p) => p.includes('/.cache/pip/'),
    fix: 'use `pip install --no-cache-dir`, or `RUN --mount=type=cache,target=/root/.cache/pip`',
  },
  {
    id: 'npm',
    what: 'the npm cache',
    test: (p) => p.includes('/.npm/_cacache/'),
    fix: 'run `npm cache clean --force` in the same `RUN`, or `RUN --mount=type=cache,target=/root/.npm`',
  },
  {
    id: 'yarn',
    what: 'the yarn cache',
    test: (p) => p.includes('/.cache/yarn/') || p.includes('/.yarn/cache/') || p.includes('/.yarn-cache/'),
    fix: 'run `yarn cache clean` in the same `RUN`, or mount the cache with `RUN --mount=type=cache`',
  },
  {
    id: 'pnpm',
    what: 'the pnpm store',
    test: (p) => p.includes('/.pnpm-store/') || p.includes('/.local/share/pnpm/store/') || p.includes('/.cache/pnpm/'),
    fix: 'mount the store with `RUN --mount=type=cache`, or install in a build stage',
  },
  {
    id: 'go-build',
    what: 'the Go build cache',
    test: (p) => p.includes('/.cache/go-build/'),
    fix: 'build in a stage and copy the binary, or `RUN --mount=type=cache,target=/root/.cache/go-build`',
  },
  {
    id: 'go-mod',
    what: 'the Go module cache',
    test: (p) => /^\/(go|root\/go)\/pkg\/mod\//.test(p),
    fix: 'build in a stage and copy the binary, or `RUN --mount=type=cache,target=/go/pkg/mod`',
  },
];

export function cacheOf(path: string): Cache | undefined {
  return CACHES.find((c) => c.test(path));
}

/**
 * Package-manager caches left on the final filesystem, per layer that wrote them. Caches a later layer deletes
 * are the deleted-later rule's: they cost the same bytes, but the fix is another one.
 */
export const packageCache: Rule = (facts) => {
  const groups = new Map<string, { cache: Cache; layer: number; files: number[] }>();
  facts.final.forEachWithBytes((path, node, _, layer) => {
    const cache = cacheOf(path);
    if (!cache) return;
    const key = `${cache.id}@${layer}`;
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { cache, layer, files: [] }));
    g.files.push(node);
  });
  return [...groups.values()]
    .map((g) => ({ g, s: facts.summarizeFinal(g.files) }))
    .filter(({ s }) => s.bytes >= MIN_FINDING_BYTES)
    .map(({ g, s }) => ({
      rule: 'package-cache' as const,
      key: `package-cache:${g.cache.id}:${facts.instruction(g.layer)}`,
      layer: g.layer,
      instruction: facts.instruction(g.layer),
      bytes: s.bytes,
      estimate: false,
      message: `${g.cache.what} left in layer ${g.layer}`,
      fix: g.cache.fix,
      paths: s.paths,
    }));
};
