import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { exec } from '../exec.js';
import { cachedSteps, exportsCompressed, inspectBuilder, type Builder } from './builder.js';
import { buildxArgs, secretEnv, type BuildInputs } from './buildx-args.js';

export interface BuiltImage {
  tag: string;
  /** What to measure: the image in the daemon, or the OCI archive buildx wrote. */
  reference: string;
  imageId: string;
  /** buildx's metadata file, as written (containerimage.config.digest etc.). */
  metadata: Record<string, unknown>;
  builder: Builder;
  /** The build's docker-format export (also loaded), with the blobs compressed as a push from this builder stores them. */
  exportArchive: string | null;
  /** Steps of the build, and those buildx took from its cache. */
  cache: { steps: number; cached: number };
}

/** The classic store cannot load a multi-platform image (docker/build-push-action#1157). */
const CANNOT_LOAD =
  /does not currently support exporting manifest lists|multiple platforms feature is currently not supported/i;

/**
 * Builds one side with buildx and reads the results back from the files buildx wrote, not from its output.
 * Loads into the daemon; a multi-platform build, or a load the daemon refuses, writes an OCI archive instead.
 */
export async function buildImage(inputs: BuildInputs, root: string, tag: string, tmp: string): Promise<BuiltImage> {
  const base = join(tmp, tag.replace(/[^a-z0-9]/gi, '_'));
  const builder = await inspectBuilder(inputs.builder);
  const exportArchive = exportsCompressed(builder) ? `${base}.export.tar` : null;
  const paths = { root, tag, iidFile: `${base}.iid`, metadataFile: `${base}.json` };
  const env = secretEnv(inputs.secrets);
  let reference = `docker-daemon:${tag}`;
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
      // What --load would have done, from the one export: the exporter sends the same tarball to `docker load`.
      if (exportArchive) await exec('docker', ['load', '--quiet', '--input', exportArchive]);
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
    builder,
    exportArchive: reference.startsWith('docker-daemon:') ? exportArchive : null,
    cache: cachedSteps(progress),
  };
}

/**
 * Where a built image is measured from: the builder's own export when it wrote one (the blobs a push from that
 * builder stores, so the compressed sizes are exact and nothing is estimated), else what the build loaded or wrote.
 */
export function measuredFrom(built: BuiltImage): { reference: string; exact: boolean } {
  return built.exportArchive
    ? { reference: `docker-archive:${built.exportArchive}`, exact: true }
    : { reference: built.reference, exact: false };
}

export async function removeImage(tag: string): Promise<void> {
  await exec('docker', ['image', 'rm', '--no-prune', tag], { allowFailure: true });
}
