import { join } from 'node:path';
import { withFindings } from '../advice/advise.js';
import { withDockerfileLines } from '../advice/dockerfile-lines.js';
import { gatherAdvice } from './gather-advice.js';
import type { ImageReport } from '../model/image-report.js';
import type { BuildInputs } from '../buildx/buildx-args.js';
import { readAt } from '../git/git.js';
import { dockerfileOf } from '../buildx/sides.js';
import type { SourceMap } from '../model/source-map.js';

/**
 * Adds the findings to a side measured by the build flow (one report per platform; the Dockerfile, context and
 * daemon are read once for all): the head's Dockerfile and context are the checkout's; the base's Dockerfile is
 * read from its commit. A side given as an existing image has no Dockerfile to read. `sourceMap` is the build's,
 * when this run built the side (not for a stored one).
 */
export async function adviseSide(
  reports: ImageReport[],
  side: 'base' | 'head',
  where: { root: string; build: BuildInputs; baseSha: string | null; built: boolean; sourceMap?: SourceMap | null },
): Promise<ImageReport[]> {
  if (!where.built) return reports.map((r) => withFindings(r, { dockerfile: null }));
  const path = dockerfileOf(where.build);
  const extras =
    side === 'head'
      ? await gatherAdvice({
          dockerfilePath: join(where.root, path),
          contextDir: join(where.root, where.build.context || '.'),
        })
      : await gatherAdvice({
          dockerfilePath: path,
          dockerfileText: where.baseSha ? await readAt(where.root, where.baseSha, path) : null,
        });
  // Findings name layers by index; the lines are a layer's own, so the order does not matter.
  return reports.map((r) =>
    withFindings(
      withDockerfileLines(r, extras.dockerfile, path, where.build.target || null, where.sourceMap ?? null),
      extras,
    ),
  );
}
