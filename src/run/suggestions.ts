import { rm, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { applyEdits, dockerignoreEditFor, fixEditFor } from '../advice/fix-edits.js';
import { parseDockerfile } from '../advice/dockerfile.js';
import { withDockerfileLines } from '../advice/dockerfile-lines.js';
import { buildImage, removeImage } from '../buildx/build-image.js';
import { dockerfileOf } from '../buildx/sides.js';
import { measurePlatforms } from '../engine.js';
import { errorMessage } from '../errors.js';
import { readAt } from '../git/git.js';
import { parseReference } from '../sources/reference.js';
import { dockerignoreOf, readBounded } from './gather-advice.js';
import { formatPlatform, hostPlatform, parsePlatform, platformMatches } from '../sources/platform.js';
import type { LayerCache } from '../measure/layer-cache.js';
import type { Finding } from '../model/finding.js';
import type { ImageReport, LayerReport } from '../model/image-report.js';
import type { Entry } from '../model/run.js';
import type { FixEdit, Suggestion } from '../model/suggestion.js';
import { changedLines, unifiedDiff, type ChangedLines } from '../util/line-diff.js';
import type { ImageTarget } from './images.js';

export interface SuggestContext {
  root: string;
  baseSha: string | null;
  tmp: string;
  id: string;
  cache: LayerCache;
  log: { info(m: string): void; warning(m: string): void; progress?(line: string): void };
}

/**
 * The fixes a head image's new findings can have, on the lines the PR added or changed (`changed`): each
 * instruction's edit (fix-edits.ts), and one `.dockerignore` edit (`ignore`: the file that applies, as the
 * repository names it) for what the PR's copies brought in; nothing yet built. `headText` is the checkout's
 * Dockerfile. Pure.
 */
export function plannedEdits(
  head: ImageReport,
  findings: readonly Finding[],
  headText: string,
  changed: ChangedLines,
  ignore: { file: string; text: string | null } | null = null,
): FixEdit[] {
  const byLayer = new Map<number, Finding[]>();
  for (const f of findings) {
    if (f.layer === null) continue;
    byLayer.set(f.layer, [...(byLayer.get(f.layer) ?? []), f]);
  }
  const edits: FixEdit[] = [];
  const seen = new Set<number>();
  const copied: Finding[] = [];
  for (const [layer, fs] of byLayer) {
    const line = head.layers[layer]?.dockerfile ?? null;
    if (!line || seen.has(line.startLine)) continue;
    let touched = false;
    for (let l = line.startLine; l <= line.endLine && !touched; l++) touched = changed.added.has(l);
    if (!touched) continue;
    copied.push(...fs.filter((f) => f.rule === 'dev-files'));
    // The base image's layers all map to its FROM line: one edit for all of them.
    const all = line.found === 'from' ? findings.filter((f) => f.rule === 'full-base') : fs;
    const edit = fixEditFor(all, line, headText);
    if (edit) {
      edits.push(edit);
      seen.add(line.startLine);
    }
  }
  // What a COPY the PR wrote brought in from the context: one `.dockerignore` edit for all of it.
  const ignored = ignore && copied.length > 0 ? dockerignoreEditFor(copied, ignore) : null;
  return ignored ? [...edits, ignored] : edits;
}

/** A fix that changes every layer above the one it touches (the base, the context), built on its own. */
const alone = (e: FixEdit) => e.kinds.includes('slim-base') || e.kinds.includes('dockerignore');

/** Uncompressed bytes of the layers an edit's instruction made (the base image's layers for its FROM line). */
function bytesAt(layers: readonly LayerReport[], edit: FixEdit): number {
  const slim = edit.kinds.includes('slim-base');
  // A .dockerignore changes what every copy from the context brings: all of the Dockerfile's own layers.
  const own = edit.kinds.includes('dockerignore');
  let sum = 0;
  for (const l of layers) {
    const d = l.dockerfile;
    if (!d) continue;
    const mine = slim ? d.found === 'from' : d.found !== 'from' && (own || d.startLine === edit.startLine);
    if (mine) sum += l.uncompressedBytes ?? 0;
  }
  return sum;
}

/**
 * What a set of edits gives when built: for each edit, the bytes its own layers lost. The edits keep every other
 * line where it was, so a layer of the rebuild is the same instruction's as the head's layer on the same lines.
 * `slim-base` and `dockerignore` change every layer above the one they touch, so they are built alone (`alone`).
 */
export function savings(
  head: ImageReport,
  rebuilt: ImageReport,
  edits: readonly FixEdit[],
): { edit: FixEdit; saved: number }[] {
  return edits.map((edit) => ({ edit, saved: bytesAt(head.layers, edit) - bytesAt(rebuilt.layers, edit) }));
}

/**
 * The one platform a multi-platform image's fixes are built for: the runner's own when the image has it (no
 * emulation), else the first; null for a single-platform image. Formatted as the entries name platforms.
 */
export function provedOn(platforms: readonly string[]): string | null {
  if (platforms.length <= 1) return null;
  const parsed = platforms.map(parsePlatform);
  const own = parsed.find((p) => platformMatches(p, hostPlatform()));
  return formatPlatform(own ?? parsed[0]!);
}

function samePlatform(a: string, b: string): boolean {
  try {
    return platformMatches(parsePlatform(a), parsePlatform(b));
  } catch {
    return false; // not an os/arch name: no platform this build was asked for
  }
}

/** Within one hunk of the PR's diff: where a review comment with a suggestion block can sit. */
function inOneHunk(changed: ChangedLines, e: FixEdit): boolean {
  return changed.hunks.some((h) => h.start <= e.startLine && e.endLine <= h.end);
}

/**
 * Builds the fixes for one measured head image and keeps those that built and made the image smaller
 * (docs/suggestions.md). The rebuild uses the head's builder, inputs and cache (never `cache-to`), from a copy of
 * the Dockerfile in the run's temporary directory; the image is removed after it is measured. A set that fails to
 * build is tried one fix at a time, and each fix that still fails is named in the log and dropped. Nothing here
 * fails the run: a rebuild that cannot be made only means no suggestion.
 */
export async function proveSuggestions(entry: Entry, target: ImageTarget, ctx: SuggestContext): Promise<Suggestion[]> {
  const c = entry.comparison;
  if (target.headImage || !c.newFindings?.length) return [];
  const platform = provedOn(target.build.platforms);
  // A multi-platform image: its fixes are one Dockerfile's, rebuilt and measured on one of its platforms.
  if (platform !== null && !samePlatform(entry.platform, platform)) return [];
  const file = dockerfileOf(target.build);
  const headText = await readBounded(join(ctx.root, file));
  if (typeof headText !== 'string') return [];
  const baseText = ctx.baseSha ? await readAt(ctx.root, ctx.baseSha, file) : null;
  const changed = changedLines(baseText, headText);
  if (!changed) {
    ctx.log.info(`Suggested fixes: ${file} changed too much to tell which lines this PR wrote; none made.`);
    return [];
  }
  const found = await dockerignoreOf(join(ctx.root, file), join(ctx.root, target.build.context || '.'));
  // A copy of the Dockerfile must carry what it applies: one not read cannot be carried.
  if (!found) return [];
  const ignore = { file: relative(ctx.root, found.path), text: found.text };
  // BuildKit reads `<Dockerfile>.dockerignore` before the context's: a copy of the Dockerfile must carry it.
  const ownIgnoreText = found.path === join(ctx.root, `${file}.dockerignore`) ? found.text : null;
  const edits = plannedEdits(c.head, c.newFindings, headText, changed, ignore);
  if (edits.length === 0) return [];
  const sets = [edits.filter((e) => !alone(e)), ...edits.filter(alone).map((e) => [e])].filter((s) => s.length);
  const out: Suggestion[] = [];
  let n = 0;
  const build = async (set: FixEdit[]): Promise<void> => {
    const ignoreEdit = set.find((e) => e.kinds.includes('dockerignore'));
    const text = applyEdits(
      headText,
      set.filter((e) => e !== ignoreEdit),
    );
    const path = join(ctx.tmp, `suggested-${ctx.id}-${n}.Dockerfile`);
    const tag = `docker-size-guard-suggest:${ctx.id}-${n++}`;
    await writeFile(path, text);
    // The copy's own `<Dockerfile>.dockerignore` keeps the head's (or carries the fixed one), since BuildKit reads
    // it before the context's.
    if (ignoreEdit) await writeFile(`${path}.dockerignore`, applyEdits(ignore.text ?? '', [ignoreEdit]));
    else if (ownIgnoreText !== null) await writeFile(`${path}.dockerignore`, ownIgnoreText);
    const started = performance.now();
    let rebuilt: ImageReport;
    let archive: string | null = null;
    try {
      const built = await buildImage(
        { ...target.build, file: path, cacheTo: [], ...(platform ? { platforms: [platform] } : {}) },
        ctx.root,
        tag,
        ctx.tmp,
        ctx.log.progress ? { onProgress: ctx.log.progress } : {},
      );
      // An export is as large as the image: gone as soon as it is measured, not at the end of the run.
      const ref = parseReference(built.reference);
      archive = ref.transport === 'docker-archive' || ref.transport === 'oci-archive' ? ref.path : null;
      const [report] = await measurePlatforms(built.reference, [undefined], {
        files: false,
        compressedEstimate: false,
        cache: ctx.cache,
        trustedArchive: true,
      });
      rebuilt = withDockerfileLines(
        report!,
        parseDockerfile(file, text),
        file,
        target.build.target || null,
        built.sourceMap,
      );
    } catch (err) {
      if (set.length > 1) {
        for (const one of set) await build([one]);
        return;
      }
      ctx.log.warning(
        `Suggested fix dropped: ${set[0]!.summary} (${file}:${set[0]!.startLine}) does not build: ${errorMessage(err)}`,
      );
      return;
    } finally {
      await removeImage(tag);
      if (archive) await rm(archive, { force: true });
    }
    const seconds = (performance.now() - started) / 1000;
    const before = c.head.uncompressedBytes ?? 0;
    const after = rebuilt.uncompressedBytes ?? 0;
    for (const { edit, saved } of savings(c.head, rebuilt, set)) {
      if (saved <= 0 || after >= before) {
        ctx.log.info(`Suggested fix dropped: ${edit.summary} (${file}:${edit.startLine}) saved nothing when built.`);
        continue;
      }
      const original = edit === ignoreEdit ? (ignore.text ?? '') : headText;
      const diff = unifiedDiff(edit.file, original, applyEdits(original, [edit]));
      if (diff === null) continue;
      out.push({
        ...edit,
        savedBytes: saved,
        imageBytes: { before, after },
        buildSeconds: seconds,
        diff,
        // The PR's diff that `changed` describes is the Dockerfile's.
        inDiff: edit !== ignoreEdit && inOneHunk(changed, edit),
      });
    }
  };
  for (const set of sets) await build(set);
  return out.sort((a, b) => b.savedBytes - a.savedBytes);
}
