import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { exec, ExecError } from '../exec.js';
import { DockerDaemon } from '../sources/daemon.js';
import { cachedSteps, inspectBuilder, type Builder } from './builder.js';
import { buildxArgs, secretEnv, type BuildInputs, type BuildPaths } from './buildx-args.js';
import { parseSourceMap } from '../formats/provenance.js';
import type { SourceMap } from '../model/source-map.js';

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
  /** buildx's metadata file (containerimage.config.digest etc.), without the provenance: it holds build-arg values. */
  metadata: Record<string, unknown>;
  /** Which step made each layer and where it is written, from the provenance; null where buildx wrote none. */
  sourceMap: SourceMap | null;
  builder: Builder;
  /** Steps of the build, and those buildx took from its cache; null when buildx drew them and kept no record. */
  cache: { steps: number; cached: number } | null;
}

/** buildx 0.13 – 0.2x, before building, when the docker driver's daemon keeps the classic store. */
const NO_EXPORTER = /exporter is not supported for the docker driver/i;

/** The classic store cannot load a multi-platform image (docker/build-push-action#1157). */
const CANNOT_LOAD =
  /does not currently support exporting manifest lists|multiple platforms feature is currently not supported/i;

/**
 * Builds one side with buildx and reads the results back from the files buildx wrote, not from its output.
 * A builder that can export (see `BuilderInfo.exports`) writes one docker-format export and nothing goes to the
 * daemon: the image is only measured, then removed, and putting it in the store costs the daemon for nothing
 * (`docker load` of the 266 MB example: 2.6 s here, 5 s streamed by `--load`; the containerd store's `docker save`
 * then costs its daemons 4.5 CPU-seconds more). Otherwise (the `docker` driver on the classic store) the build
 * goes into the daemon. A multi-platform build, or a load the daemon refuses, writes an OCI archive.
 */
export interface BuildProgress {
  /** Each line of buildx's plain progress, as it comes. */
  onProgress?: (line: string) => void;
  /**
   * buildx draws its own progress on this process's terminal (a person at a TTY, nothing to redact): the steps
   * and the cache use are then read back from the build record (`docker buildx history logs`).
   */
  terminal?: boolean;
}

export async function buildImage(
  inputs: BuildInputs,
  root: string,
  tag: string,
  tmp: string,
  progressTo: BuildProgress = {},
): Promise<BuiltImage> {
  const base = join(tmp, tag.replace(/[^a-z0-9]/gi, '_'));
  const { builder, exports } = await inspectBuilder(inputs.builder);
  const exportArchive = exports ? `${base}.export.tar` : null;
  const terminal = progressTo.terminal === true;
  const paths = {
    root,
    tag,
    iidFile: `${base}.iid`,
    metadataFile: `${base}.json`,
    progress: terminal ? ('tty' as const) : ('plain' as const),
  };
  // mode=max puts the layers of each step and its Dockerfile lines into the metadata file (buildx 0.14 and later;
  // earlier ones ignore it). Unlike `--provenance`, no attestation is exported or pushed.
  const env = { ...secretEnv(inputs.secrets), BUILDX_METADATA_PROVENANCE: 'max' };
  const { onProgress } = progressTo;
  const build = async (output: Pick<BuildPaths, 'ociDest' | 'exportDest'>) =>
    (
      await exec('docker', buildxArgs(inputs, { ...paths, ...output }), {
        cwd: root,
        env,
        ...(terminal ? { stderrToTerminal: true } : onProgress ? { onStderrLine: onProgress } : {}),
      })
    ).stderr;
  const oci = `${base}.oci.tar`;
  let reference: string;
  let progress: string;
  if (inputs.platforms.length > 1) {
    progress = await build({ ociDest: oci });
    reference = `oci-archive:${oci}`;
  } else {
    try {
      progress = await build(exportArchive ? { exportDest: exportArchive } : {});
      reference = exportArchive ? `docker-archive:${exportArchive}` : `docker-daemon:${tag}`;
    } catch (err) {
      // All buildx said, not the one line: it names the exporter above "Learn more at …" (0.29).
      const said = err instanceof ExecError ? err.stderr : '';
      // The builder looked able to export but buildx says otherwise (it checks before building): load instead.
      if (exportArchive && NO_EXPORTER.test(said)) {
        progress = await build({});
        reference = `docker-daemon:${tag}`;
      } else if (CANNOT_LOAD.test(said)) {
        progress = await build({ ociDest: oci });
        reference = `oci-archive:${oci}`;
      } else throw err;
    }
  }
  const { iidFile, metadataFile } = paths;
  const imageId = (await readFile(iidFile, 'utf8').catch(() => '')).trim();
  const { [PROVENANCE]: provenance, ...metadata } = await readMetadata(metadataFile);
  return {
    tag,
    reference,
    imageId,
    metadata,
    sourceMap: parseSourceMap(provenance),
    exact: reference.startsWith('docker-archive:'),
    builder,
    cache: terminal ? await recordedSteps(builder.name, metadata) : cachedSteps(progress),
  };
}

const PROVENANCE = 'buildx.build.provenance';
/** The provenance of a PR's Dockerfile grows with it; a metadata file past this is not read. */
const METADATA_LIMIT = 32 * 1024 * 1024;

async function readMetadata(path: string): Promise<Record<string, unknown>> {
  const size = await stat(path).then(
    (s) => s.size,
    () => 0,
  );
  if (size === 0 || size > METADATA_LIMIT) return {};
  const parsed = JSON.parse(await readFile(path, 'utf8')) as unknown;
  return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : {};
}

/** The steps of a build drawn on a terminal, from its build record; null where buildx keeps none (before 0.23). */
async function recordedSteps(
  builder: string,
  metadata: Record<string, unknown>,
): Promise<{ steps: number; cached: number } | null> {
  const ref = metadata['buildx.build.ref'];
  const id = typeof ref === 'string' ? ref.slice(ref.lastIndexOf('/') + 1) : '';
  if (!/^[a-z0-9]{1,64}$/.test(id)) return null;
  const r = await exec('docker', ['buildx', 'history', 'logs', '--builder', builder, id], { allowFailure: true });
  // buildx writes the log where it writes progress: to stderr.
  return r.exitCode === 0 ? cachedSteps(r.stderr) : null;
}

/** Cleanup after measuring: a daemon that is gone by now leaves nothing of ours to remove, so no failure. */
export async function removeImage(tag: string): Promise<void> {
  await new DockerDaemon().remove(tag, tag).catch(() => undefined);
}
