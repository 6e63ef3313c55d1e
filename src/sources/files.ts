import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { UserError } from '../errors.js';
import { analyzeLayer, type AnalyzeOptions, type LayerStats } from '../measure/layer.js';
import type { LayoutAccess } from './layout.js';

/** Fails with one clear line when `path` is not a readable file (or directory, when `dir`). */
export async function checkPath(path: string, what: string, dir: boolean): Promise<void> {
  let s;
  try {
    s = await stat(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new UserError(`${what}: ${code === 'ENOENT' ? 'no such file or directory' : `cannot read (${code})`}`);
  }
  if (dir && !s.isDirectory())
    throw new UserError(`${what}: not a directory (an OCI layout is a directory; use oci-archive: for a tar)`);
  if (!dir && s.isDirectory()) throw new UserError(`${what}: is a directory (use oci: for an OCI layout directory)`);
}

export function fileChunks(path: string): AsyncIterable<Buffer> {
  return createReadStream(path, { highWaterMark: 1024 * 1024 });
}

/** An OCI layout directory: random access, so only the blobs the chosen image uses are read. */
export class OciDirectory implements LayoutAccess {
  constructor(private readonly root: string) {}

  async readJson(path: string): Promise<unknown | undefined> {
    try {
      return JSON.parse(await readFile(join(this.root, path), 'utf8'));
    } catch {
      return undefined;
    }
  }

  async layer(path: string, options: AnalyzeOptions, what: string): Promise<LayerStats> {
    const file = join(this.root, path);
    await checkPath(file, `${what}: layer ${path}`, false);
    try {
      return await analyzeLayer(fileChunks(file), options);
    } catch (err) {
      throw new UserError(`${what}: layer ${path} is unreadable (${(err as Error).message})`);
    }
  }
}
