import { createHash } from 'node:crypto';

/** The content digest forms this tool accepts before a digest becomes a path or a URL. */
export const DIGEST_PATTERN = /^(sha256:[0-9a-f]{64}|sha512:[0-9a-f]{128})$/;

export class DigestMismatchError extends Error {}

/**
 * Passes `source` through unchanged while hashing it; after the last chunk, fails unless the bytes match
 * `digest`. A consumer that stops early never sees the check (it did not read the whole blob).
 */
export async function* verifyDigest(
  source: AsyncIterable<Buffer>,
  digest: string,
  what: string,
): AsyncGenerator<Buffer> {
  const [algorithm, expected] = digest.split(':') as [string, string];
  const hash = createHash(algorithm);
  for await (const chunk of source) {
    hash.update(chunk);
    yield chunk;
  }
  const got = hash.digest('hex');
  if (got !== expected)
    throw new DigestMismatchError(`${what} does not match its digest ${digest} (got ${algorithm}:${got})`);
}
