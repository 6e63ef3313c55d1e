import { constants } from 'node:fs';
import { open, realpath, stat, type FileHandle } from 'node:fs/promises';
import { join, sep } from 'node:path';
import { UserError } from '../errors.js';
import { matchesNamedDigest } from '../util/digest.js';
import type { LayoutAccess } from './layout.js';

/**
 * Fails with one clear line when `path` is not a regular file (or a directory, when `dir`). A FIFO, a device
 * (`/dev/zero`) or a socket would never end: they are refused before anything reads them.
 */
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
  if (!dir && !s.isFile()) throw new UserError(`${what}: not a regular file (a pipe or a device cannot be measured)`);
}

const READ_BUFFER = 1024 * 1024;

/**
 * A file's bytes as views of one reused buffer: each chunk is valid until the next is asked for, which the
 * measuring pass (synchronous per chunk) allows. A fresh buffer per read would wait outside V8's heap for a
 * collection (README, Performance).
 */
export async function* fileChunks(path: string): AsyncGenerator<Buffer> {
  const fd = await open(path, 'r');
  try {
    yield* handleChunks(fd);
  } finally {
    await fd.close();
  }
}

async function* handleChunks(fd: FileHandle): AsyncGenerator<Buffer> {
  const buffer = Buffer.allocUnsafe(READ_BUFFER);
  for (;;) {
    const { bytesRead } = await fd.read(buffer, 0, buffer.length, null);
    if (bytesRead === 0) return;
    yield buffer.subarray(0, bytesRead);
  }
}

const MAX_LAYOUT_DOCUMENT = 16 * 1024 * 1024;

/**
 * An OCI layout directory: random access, so only the blobs the chosen image uses are read. Nothing outside the
 * layout is opened: a path is only `index.json`, `oci-layout` or `blobs/ALG/HEX`, a symlink anywhere on the way
 * out of the layout is refused, and only regular files are read (opened without following a final symlink).
 */
export class OciDirectory implements LayoutAccess {
  private rootReal: Promise<string>;

  constructor(
    private readonly root: string,
    private readonly what: string,
  ) {
    this.rootReal = realpath(root);
  }

  private async openInside(path: string): Promise<{ fd: import('node:fs/promises').FileHandle; size: number } | null> {
    if (!/^(index\.json|oci-layout|blobs\/(sha256\/[0-9a-f]{64}|sha512\/[0-9a-f]{128}))$/.test(path))
      throw new UserError(`${this.what}: '${path.slice(0, 80)}' is not a path inside an OCI layout`);
    const file = join(this.root, path);
    let real: string;
    try {
      real = await realpath(file);
    } catch {
      return null;
    }
    const root = await this.rootReal;
    if (!real.startsWith(root + sep)) throw new UserError(`${this.what}: ${path} leads outside the layout`);
    const fd = await open(file, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK).catch(
      (err: NodeJS.ErrnoException) => {
        throw new UserError(`${this.what}: ${path}: cannot open (${err.code})`);
      },
    );
    const s = await fd.stat();
    if (!s.isFile()) {
      await fd.close();
      throw new UserError(`${this.what}: ${path} is not a regular file`);
    }
    return { fd, size: s.size };
  }

  async readJson(path: string): Promise<unknown | undefined> {
    const f = await this.openInside(path);
    if (!f) return undefined;
    try {
      if (f.size > MAX_LAYOUT_DOCUMENT)
        throw new UserError(`${this.what}: ${path} is larger than ${MAX_LAYOUT_DOCUMENT} bytes`);
      const body = await f.fd.readFile();
      if (!matchesNamedDigest(path, body)) throw new UserError(`${this.what}: ${path} does not match its digest`);
      try {
        return JSON.parse(body.toString('utf8'));
      } catch {
        throw new UserError(`${this.what}: ${path}: not JSON`);
      }
    } finally {
      await f.fd.close();
    }
  }

  /** A blob's bytes, as views of one reused buffer (see `fileChunks`); the file is closed when the reading ends. */
  async *blob(path: string): AsyncGenerator<Buffer> {
    const f = await this.openInside(path);
    if (!f) throw new UserError(`${this.what}: layer ${path}: no such file`);
    try {
      yield* handleChunks(f.fd);
    } finally {
      await f.fd.close();
    }
  }
}
