import type { Octokit } from './client.js';

/** The contents API serves a file's text up to 1 MB; a Dockerfile is far smaller. */
const MAX_BYTES = 1024 * 1024;

/** A file the commit does not have (the API's 404): a `.dockerignore` a fix creates. */
export const MISSING = Symbol('missing');

/**
 * A file's text at a commit, read through the API (`contents: read`), for a run that has no checkout of the PR
 * (`mode: comment`); MISSING when the commit has no such path, null when it is not a file there, too large, or
 * cannot be read.
 */
export async function fileAtCommit(
  octokit: Octokit,
  repo: { owner: string; repo: string },
  path: string,
  ref: string,
): Promise<string | typeof MISSING | null> {
  try {
    const { data } = await octokit.rest.repos.getContent({ ...repo, path, ref });
    if (Array.isArray(data) || data.type !== 'file' || !('content' in data) || data.encoding !== 'base64') return null;
    if (data.size > MAX_BYTES) return null;
    return Buffer.from(data.content, 'base64').toString('utf8');
  } catch (err) {
    return (err as { status?: unknown }).status === 404 ? MISSING : null;
  }
}
