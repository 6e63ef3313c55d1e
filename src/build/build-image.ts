import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { exec } from '../exec.js';
import { buildxArgs, secretEnv, type BuildInputs } from './buildx-args.js';

export interface BuiltImage {
  tag: string;
  imageId: string;
  /** buildx's metadata file, as written (containerimage.config.digest etc.). */
  metadata: Record<string, unknown>;
}

/** Builds one side with buildx and reads the results back from the files buildx wrote, not from its output. */
export async function buildImage(inputs: BuildInputs, root: string, tag: string, tmp: string): Promise<BuiltImage> {
  const iidFile = join(tmp, `${tag.replace(/[^a-z0-9]/gi, '_')}.iid`);
  const metadataFile = join(tmp, `${tag.replace(/[^a-z0-9]/gi, '_')}.json`);
  const args = buildxArgs(inputs, { root, tag, iidFile, metadataFile });
  await exec('docker', args, { cwd: root, env: secretEnv(inputs.secrets) });
  const imageId = (await readFile(iidFile, 'utf8').catch(() => '')).trim();
  const raw = await readFile(metadataFile, 'utf8').catch(() => 'null');
  const metadata = (JSON.parse(raw) ?? {}) as Record<string, unknown>;
  return { tag, imageId, metadata };
}

export async function removeImage(tag: string): Promise<void> {
  await exec('docker', ['image', 'rm', '--no-prune', tag], { allowFailure: true });
}
