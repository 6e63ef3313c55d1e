import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DockerDaemon } from '../sources/daemon.js';
import type { AdviceInput } from '../advice/context.js';
import { parseDockerfile } from '../advice/dockerfile.js';
import { slimCandidates } from '../advice/rules/full-base.js';

/**
 * The `.dockerignore` BuildKit applies to a build: `<Dockerfile>.dockerignore` when there is one, else the
 * context's. `path` is the one that applies, or would be created (the context's); `text` null when neither exists.
 */
export async function dockerignoreOf(
  dockerfilePath: string,
  contextDir: string,
): Promise<{ path: string; text: string | null }> {
  for (const path of [`${dockerfilePath}.dockerignore`, join(contextDir, '.dockerignore')]) {
    const text = await readFile(path, 'utf8').catch(() => null);
    if (text !== null) return { path, text };
  }
  return { path: join(contextDir, '.dockerignore'), text: null };
}

/**
 * Reads what the advice needs from around a build (I/O at the edge): the Dockerfile, the context's .dockerignore
 * (BuildKit also takes `<Dockerfile>.dockerignore`), and the sizes of slim base images present in the daemon.
 * `dockerfileText` is given when the Dockerfile is not on disk (the base side, read from git).
 */
export async function gatherAdvice(opts: {
  dockerfilePath: string;
  contextDir?: string;
  dockerfileText?: string | null;
  daemon?: DockerDaemon;
}): Promise<Omit<AdviceInput, 'report'>> {
  const text = opts.dockerfileText ?? (await readFile(opts.dockerfilePath, 'utf8').catch(() => null));
  const dockerfile = text === null ? null : parseDockerfile(opts.dockerfilePath, text);
  const dockerignore =
    opts.contextDir === undefined ? undefined : (await dockerignoreOf(opts.dockerfilePath, opts.contextDir)).text;
  const localSizes = new Map<string, number>();
  if (dockerfile) {
    const daemon = opts.daemon ?? new DockerDaemon();
    for (const ref of slimCandidates(dockerfile)) {
      const info = await daemon.inspect(ref, ref).catch(() => null);
      if (info?.Size !== undefined) localSizes.set(ref, info.Size);
    }
  }
  return { dockerfile, dockerignore, localSizes };
}
