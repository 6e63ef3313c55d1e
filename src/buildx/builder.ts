import { exec } from '../exec.js';
import { UserError } from '../errors.js';

/** The buildx builder a build runs on, as `docker buildx inspect` names it. */
export interface Builder {
  name: string;
  /** docker, docker-container, remote, kubernetes, … */
  driver: string;
}

/** A builder as `docker buildx inspect` describes it. */
export interface BuilderInfo {
  builder: Builder;
  /**
   * Whether the build can write a docker-format export holding the blobs a push stores: every driver but `docker`
   * runs BuildKit on its own, which compresses each layer when it exports, and the `docker` driver can too when its
   * daemon keeps images in the containerd store (its BuildKit worker is then containerd's). The classic store's
   * worker cannot export; buildx refuses it before building.
   */
  exports: boolean;
  /** The first platform its first node lists: what a build that names none is built for. Null when not listed. */
  native: string | null;
}

/** The label BuildKit's containerd worker carries: the docker driver's daemon uses the containerd image store. */
const CONTAINERD_WORKER = /^\s*org\.mobyproject\.buildkit\.worker\.containerd\.namespace:/m;

/** Reads `docker buildx inspect` text (buildx 0.10 – 0.2x print the same two header lines). Pure. */
export function parseBuilderInspect(text: string): BuilderInfo | null {
  const name = /^Name:\s+(\S+)/m.exec(text)?.[1];
  const driver = /^Driver:\s+(\S+)/m.exec(text)?.[1];
  if (!name || !driver) return null;
  const native = /^Platforms:[ \t]+([^,\s]+)/m.exec(text)?.[1] ?? null;
  return { builder: { name, driver }, exports: driver !== 'docker' || CONTAINERD_WORKER.test(text), native };
}

const known = new Map<string, Promise<BuilderInfo>>();

/** The builder `name` (or the current one), asked once per process. */
export function inspectBuilder(name: string): Promise<BuilderInfo> {
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
