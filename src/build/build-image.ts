import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { exec } from '../exec.js';
import { cachedSteps, exportsCompressed, inspectBuilder, type Builder } from './builder.js';
import { buildxArgs, secretEnv, type BuildInputs } from './buildx-args.js';

export interface BuiltImage {
  tag: string;
  /** What to measure: the image in the daemon, or the archive buildx wrote. */
  reference: string;
  /**
   * Whether `reference` holds the blobs a push from this builder stores (the builder's own export), so the
   * compressed sizes are exact and nothing is estimated.
   */
  exact: boolean;
  imageId: string;
  /** buildx's metadata file, as written (containerimage.config.digest etc.). */
  metadata: Record<string, unknown>;
  builder: Builder;
  /** Steps of the build, and those buildx took from its cache. */
  cache: { steps: number; cached: number };
}

/** The classic store cannot load a multi-platform image (docker/build-push-action#1157). */
const CANNOT_LOAD =
  /does not currently support exporting manifest lists|multiple platforms feature is currently not supported/i;

/**
 * Builds one side with buildx and reads the results back from the files buildx wrote, not from its output.
 * With the `docker` driver the image lands in the daemon's store. Any other builder writes one docker-format
 * export and nothing is loaded: the image is only measured, then removed, and `docker load` of a 266 MB image
 * costs the daemon 2.6 s here (5 s streamed by `--load`). A multi-platform build, or a load the daemon refuses,
 * writes an OCI archive.
 */
export async function buildImage(inputs: BuildInputs, root: string, tag: string, tmp: string): Promise<BuiltImage> {
  const base = join(tmp, tag.replace(/[^a-z0-9]/gi, '_'));
  const builder = await inspectBuilder(inputs.builder);
  const exportArchive = exportsCompressed(builder) ? `${base}.export.tar` : null;
  const paths = { root, tag, iidFile: `${base}.iid`, metadataFile: `${base}.json` };
  const env = secretEnv(inputs.secrets);
  let reference = exportArchive ? `docker-archive:${exportArchive}` : `docker-daemon:${tag}`;
  let progress: string;
  if (inputs.platforms.length > 1) {
    progress = (await exec('docker', buildxArgs(inputs, { ...paths, ociDest: `${base}.oci.tar` }), { cwd: root, env }))
      .stderr;
    reference = `oci-archive:${base}.oci.tar`;
  } else {
    try {
      progress = (
        await exec(
          'docker',
          buildxArgs(inputs, { ...paths, ...(exportArchive ? { exportDest: exportArchive } : {}) }),
          { cwd: root, env },
        )
      ).stderr;
    } catch (err) {
      if (!CANNOT_LOAD.test((err as Error).message)) throw err;
      progress = (
        await exec('docker', buildxArgs(inputs, { ...paths, ociDest: `${base}.oci.tar` }), { cwd: root, env })
      ).stderr;
      reference = `oci-archive:${base}.oci.tar`;
    }
  }
  const { iidFile, metadataFile } = paths;
  const imageId = (await readFile(iidFile, 'utf8').catch(() => '')).trim();
  const raw = await readFile(metadataFile, 'utf8').catch(() => 'null');
  const metadata = (JSON.parse(raw) ?? {}) as Record<string, unknown>;
  return {
    tag,
    reference,
    imageId,
    metadata,
    exact: exportArchive !== null && reference === `docker-archive:${exportArchive}`,
    builder,
    cache: cachedSteps(progress),
  };
}

export async function removeImage(tag: string): Promise<void> {
  await exec('docker', ['image', 'rm', '--no-prune', tag], { allowFailure: true });
}
