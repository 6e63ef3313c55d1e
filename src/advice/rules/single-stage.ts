import type { LayerEntries } from '../../model/contents.js';
import { baseLayerCount, MIN_FINDING_BYTES, type Rule } from '../context.js';
import { cacheOf } from './package-cache.js';

const MANAGERS = new Set(['apt-get', 'apt', 'apk', 'yum', 'dnf', 'microdnf']);
const TOOLCHAIN = new Set(['gcc', 'g++', 'clang', 'build-essential', 'build-base', 'make', 'cmake', 'rustc', 'cargo']);
const TOOLCHAIN_ALSO = new Set(['maven', 'gradle']);

/** A package name that is a toolchain: a compiler, a build tool, an SDK, or a `-dev` package's headers. */
function isToolchain(word: string): boolean {
  if (TOOLCHAIN.has(word) || TOOLCHAIN_ALSO.has(word) || word.endsWith('-dev')) return true;
  if (word.startsWith('golang')) return /^[\w.-]*$/.test(word);
  return word.startsWith('openjdk-') && /^openjdk-\d+-jdk[\w-]*$/.test(word);
}

/**
 * Whether a RUN line installs a build toolchain: in one command (between `;`, `&` and `|`), a package manager,
 * then `install` or `add`, then a toolchain package. Split into words, not matched by one regex: the line is the
 * PR's text, of any length.
 */
export function installsToolchain(args: string): boolean {
  for (const command of args.split(/[;&|]/)) {
    const words = command.split(/\s+/);
    const manager = words.findIndex((w) => MANAGERS.has(w.slice(w.lastIndexOf('/') + 1)));
    if (manager < 0) continue;
    const verb = words.findIndex((w, i) => i > manager && (w === 'install' || w === 'add'));
    if (verb >= 0 && words.some((w, i) => i > verb && isToolchain(w))) return true;
  }
  return false;
}
/** Base images that are build toolchains: nothing of them is needed to run what they build. */
const SDK_IMAGES =
  /^(golang|rust|gcc|maven|gradle|openjdk|eclipse-temurin|mcr\.microsoft\.com\/dotnet\/sdk|buildpack-deps)$/;

/** The bytes of a layer's files under build caches: what a build stage would keep of a compile step. */
function cacheBytes(entries: LayerEntries): number {
  let total = 0;
  for (const e of entries) if (e.kind === 'file' && cacheOf(e.path)) total += e.size;
  return total;
}

/**
 * A Dockerfile that builds and runs in one stage. The saving is measured from the layers a build stage would keep:
 * the toolchain installs, the caches the build leaves, and an SDK base image's own layers.
 */
export const singleStage: Rule = (facts) => {
  const df = facts.input.dockerfile;
  const stage = facts.finalStage;
  if (!df || !stage) return [];
  if (df.stages.length > 1 || stage.instructions.some((i) => i.copyFrom !== null)) return [];
  const baseCount = baseLayerCount(facts);
  if (baseCount === null) return [];
  const sdkBase = SDK_IMAGES.test(stage.fromImage);
  const installs = stage.instructions.filter((i) => i.keyword === 'RUN' && installsToolchain(i.args));
  if (!sdkBase && installs.length === 0) return [];

  let bytes = 0;
  let layer: number | null = null;
  let largest = -1;
  const count = (i: number, b: number) => {
    bytes += b;
    if (b > largest) [largest, layer] = [b, i];
  };
  if (sdkBase) {
    for (let i = 0; i < baseCount; i++) count(i, facts.contentBytes(i));
  }
  for (let i = baseCount; i < facts.layers.length; i++) {
    const instruction = facts.instruction(i) ?? '';
    const isInstall = installs.some((ins) => instruction.includes(ins.args.slice(0, 40).trim()));
    count(i, isInstall ? facts.contentBytes(i) : cacheBytes(facts.layers[i]!));
  }
  if (bytes < MIN_FINDING_BYTES) return [];
  return [
    {
      rule: 'single-stage',
      key: 'single-stage',
      layer,
      instruction: facts.instruction(layer),
      bytes,
      estimate: false,
      message: `${df.path} builds and runs in one stage (FROM ${stage.from}): the toolchain${sdkBase ? ' image' : ' installs'} and build caches ship with the program`,
      fix: `split it: \`FROM ${stage.from} AS build\` for the build, then a small runtime stage (a slim or distroless base, or scratch for a static binary) that copies the artifacts with \`COPY --from=build\``,
      paths: [],
    },
  ];
};
