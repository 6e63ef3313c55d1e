import { exec } from '../exec.js';
import { UserError } from '../errors.js';

/** The buildx builder a build runs on, as `docker buildx inspect` names it. */
export interface Builder {
  name: string;
  /** docker, docker-container, remote, kubernetes, … */
  driver: string;
}

/** Reads `docker buildx inspect` text (buildx 0.10 – 0.2x print the same two header lines). Pure. */
export function parseBuilderInspect(text: string): Builder | null {
  const name = /^Name:\s+(\S+)/m.exec(text)?.[1];
  const driver = /^Driver:\s+(\S+)/m.exec(text)?.[1];
  return name && driver ? { name, driver } : null;
}

/**
 * Whether a builder exports what it builds compressed: every driver but `docker` runs BuildKit on its own, which
 * compresses each layer when it exports; the build's docker-format export then holds the exact blobs.
 */
export function exportsCompressed(b: Builder): boolean {
  return b.driver !== 'docker';
}

const known = new Map<string, Promise<Builder>>();

/** The builder `name` (or the current one), asked once per process. */
export function inspectBuilder(name: string): Promise<Builder> {
  let p = known.get(name);
  if (!p) {
    p = (async () => {
      const r = await exec('docker', ['buildx', 'inspect', ...(name ? [name] : [])], { allowFailure: true });
      const b = r.exitCode === 0 ? parseBuilderInspect(r.stdout) : null;
      if (!b)
        throw new UserError(
          `Invalid input 'builder': no buildx builder '${name || '(current)'}' (${r.stderr.trim().split('\n').pop() ?? ''})`,
        );
      return b;
    })();
    known.set(name, p);
  }
  return p;
}

/**
 * The Dockerfile steps buildx ran (`#N [stage k/n] INSTRUCTION`, FROM excluded), and those it took from the
 * cache (`#N CACHED`), read from its plain progress output. Pure.
 */
export function cachedSteps(progress: string): { steps: number; cached: number } {
  const steps = new Set<string>();
  for (const m of progress.matchAll(/^#(\d+) \[(?:[^\]\s]+ )?\d+\/\d+\] (?!FROM )/gm)) steps.add(m[1]!);
  const cached = [...progress.matchAll(/^#(\d+) CACHED\s*$/gm)].filter((m) => steps.has(m[1]!));
  return { steps: steps.size, cached: new Set(cached.map((m) => m[1])).size };
}
