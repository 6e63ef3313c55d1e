import { createHash } from 'node:crypto';

/** The content digest forms this tool accepts before a digest becomes a path or a URL. */
export const DIGEST_PATTERN = /^(sha256:[0-9a-f]{64}|sha512:[0-9a-f]{128})$/;

/** `algorithm:hex` of `body`. */
export function digestOf(body: Buffer, algorithm: string): string {
  return `${algorithm}:${createHash(algorithm).update(body).digest('hex')}`;
}

/** The digest a layout path names (`blobs/ALG/HEX`), or null for any other path. */
export function digestNamedBy(path: string): string | null {
  const m = /^blobs\/(sha256|sha512)\/([0-9a-f]+)$/.exec(path);
  return m ? `${m[1]}:${m[2]}` : null;
}

/** True unless `path` names a digest that `body` does not have. */
export function matchesNamedDigest(path: string, body: Buffer): boolean {
  const named = digestNamedBy(path);
  return !named || digestOf(body, named.split(':')[0]!) === named;
}
