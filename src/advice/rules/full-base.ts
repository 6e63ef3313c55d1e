import { formatBytes } from '../../util/format.js';
import type { DockerfileFacts } from '../dockerfile.js';
import { baseLayerCount, MIN_FINDING_BYTES, type Rule } from '../context.js';

/**
 * Official images with a slim variant, and what that variant weighs uncompressed on linux/amd64 as published on
 * Docker Hub (rounded; used only when the slim image is not on this machine, and then reported as an estimate).
 */
// A Map: names come from the Dockerfile, and `constructor` or `__proto__` must find nothing.
const SLIM = new Map<string, { slim: (tag: string) => string; publishedBytes: number }>([
  ['python', { slim: (t) => `python:${t.replace(/-(bookworm|bullseye|trixie)$/, '')}-slim`, publishedBytes: 130e6 }],
  ['node', { slim: (t) => `node:${t.replace(/-(bookworm|bullseye|trixie)$/, '')}-slim`, publishedBytes: 200e6 }],
  ['ruby', { slim: (t) => `ruby:${t.replace(/-(bookworm|bullseye|trixie)$/, '')}-slim`, publishedBytes: 220e6 }],
  ['debian', { slim: (t) => `debian:${t}-slim`, publishedBytes: 75e6 }],
]);
/** SDK images whose programs run without them: the runtime base can be scratch or distroless. */
const RUNTIME_FREE = new Set(['golang', 'rust']);

/** An official image's short name: `docker.io/library/python` is `python`. */
const officialName = (image: string) => image.replace(/^(docker\.io\/)?(library\/)?/, '');

/**
 * The slim variant of an official image (`python`, `3.11` → `python:3.11-slim`); null for an image without one
 * or a tag that is already small.
 */
export function slimOf(image: string, tag: string): string | null {
  const known = SLIM.get(officialName(image));
  return known && !SMALL_TAG.test(tag) ? known.slim(tag) : null;
}

const SMALL_TAG = /slim|alpine|distroless|minimal/;

/** The slim images the rule would compare against, for the edge to look up in the daemon. */
export function slimCandidates(dockerfile: DockerfileFacts): string[] {
  const stage = dockerfile.stages.at(-1);
  const known = stage ? SLIM.get(officialName(stage.fromImage)) : undefined;
  return stage && known ? [known.slim(stage.fromTag ?? 'latest')] : [];
}

/** The final stage starts from a full official image where a slim variant (or no base at all) would do. */
export const fullBase: Rule = (facts) => {
  const stage = facts.finalStage;
  if (!stage || !stage.fromImage) return [];
  const name = officialName(stage.fromImage);
  const tag = stage.fromTag ?? 'latest';
  const known = SLIM.get(name);
  if (SMALL_TAG.test(tag)) return [];
  if (!known && !RUNTIME_FREE.has(name)) return [];
  // A single-stage build on an SDK image is the single-stage rule's finding.
  if (RUNTIME_FREE.has(name) && (facts.input.dockerfile?.stages.length ?? 0) <= 1) return [];
  const count = baseLayerCount(facts);
  if (count === null) return [];
  const baseBytes = facts.bottomBytes(count);
  let target = 'scratch or a distroless image';
  let targetBytes = 0;
  let estimate = false;
  if (known) {
    target = known.slim(tag);
    const local = facts.input.localSizes?.get(target);
    targetBytes = local ?? known.publishedBytes;
    estimate = local === undefined;
  }
  const bytes = baseBytes - targetBytes;
  if (bytes < MIN_FINDING_BYTES) return [];
  return [
    {
      rule: 'full-base',
      key: `full-base:${name}`,
      layer: 0,
      instruction: facts.instruction(0),
      bytes,
      estimate,
      message: `the final stage runs on ${stage.from}, a full image (${formatBytes(baseBytes)} in its ${count} layers)`,
      fix: `run on \`${target}\`${known ? '' : ' (the program needs no OS from the SDK image)'}, and install what is missing explicitly`,
      paths: [],
    },
  ];
};
