import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { DockerDaemon } from '../sources/daemon.js';
import type { AdviceInput } from '../advice/context.js';
import { parseDockerfile } from '../advice/dockerfile.js';
import { slimCandidates } from '../advice/rules/full-base.js';

/**
 * A PR's Dockerfile or .dockerignore, read for the advice: past this it is not read (its layers keep no line and
 * it gets no advice from its text), so a hostile file costs no more memory than this. The contents API, which the
 * fork flow reads it through, serves 1 MB.
 */
export const MAX_TEXT_BYTES = 1024 * 1024;

/** A file that is there but is not read: over MAX_TEXT_BYTES, or not a regular file. */
export const NOT_READ = Symbol('not read');

/** A file's text when it is a regular file of at most MAX_TEXT_BYTES; null when there is none. */
export async function readBounded(path: string): Promise<string | typeof NOT_READ | null> {
  const file = await open(path, 'r').catch((err: NodeJS.ErrnoException) => (err.code === 'ENOENT' ? null : NOT_READ));
  if (file === null || file === NOT_READ) return file;
  try {
    const st = await file.stat();
    if (!st.isFile() || st.size > MAX_TEXT_BYTES) return NOT_READ;
    const buf = Buffer.alloc(st.size + 1);
    const { bytesRead } = await file.read(buf, 0, buf.length, 0);
    return bytesRead > st.size ? NOT_READ : buf.toString('utf8', 0, bytesRead); // it grew while read
  } catch {
    return NOT_READ;
  } finally {
    await file.close();
  }
}

/**
 * The `.dockerignore` BuildKit applies to a build: `<Dockerfile>.dockerignore` when there is one, else the
 * context's. `path` is the one that applies, or would be created (the context's); `text` null when neither exists.
 * Null when the one that applies is not read (MAX_TEXT_BYTES): what it leaves out is not known.
 */
export async function dockerignoreOf(
  dockerfilePath: string,
  contextDir: string,
): Promise<{ path: string; text: string | null } | null> {
  for (const path of [`${dockerfilePath}.dockerignore`, join(contextDir, '.dockerignore')]) {
    const text = await readBounded(path);
    if (text === NOT_READ) return null;
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
  const given = opts.dockerfileText;
  const text =
    given === undefined || given === null
      ? await readBounded(opts.dockerfilePath)
      : Buffer.byteLength(given) <= MAX_TEXT_BYTES
        ? given
        : null;
  const dockerfile = typeof text === 'string' ? parseDockerfile(opts.dockerfilePath, text) : null;
  const ignore = opts.contextDir === undefined ? null : await dockerignoreOf(opts.dockerfilePath, opts.contextDir);
  // undefined: the advice does not know what the .dockerignore says (no context, or one too large to read).
  const dockerignore = ignore?.text;
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
