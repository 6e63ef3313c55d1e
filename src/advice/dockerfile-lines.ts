import type { DockerfileLine, LayerReport } from '../model/image-report.js';
import type { SourceMap } from '../model/source-map.js';
import type { DockerfileFacts, DockerfileInstruction, DockerfileStage, LineRange } from './dockerfile.js';

/** The instructions that make a layer in BuildKit: RUN, COPY and ADD always, WORKDIR when it creates the folder. */
const LAYER_KEYWORDS = new Set(['RUN', 'COPY', 'ADD', 'WORKDIR']);

/** Whitespace runs as one space, without a regular expression over hostile text. */
function squeeze(text: string): string {
  return text.split(/\s+/).filter(Boolean).join(' ');
}

/**
 * A history line as `displayInstruction` gives it (`RUN |1 V=*** cmd`, `COPY --chmod=644 /a /b`) without its
 * keyword, the build-arg prefix and leading flags: what the Dockerfile wrote, as BuildKit recorded it. Pure.
 */
export function historyArgs(display: string): { keyword: string; args: string } {
  const words = display.split(' ');
  const keyword = words[0] ?? '';
  let at = 1; // an index, not shift(): a hostile line of many words stays linear
  if (words[at]?.startsWith('|')) {
    const n = Number.parseInt(words[at]!.slice(1), 10);
    at += 1 + (Number.isFinite(n) ? Math.min(n, words.length) : 0);
  }
  while (words[at]?.startsWith('--')) at++;
  return { keyword, args: words.slice(at).join(' ') };
}

/** The Dockerfile's arguments as BuildKit writes them into the history: exec form joined, a heredoc's body. Pure. */
export function writtenArgs(ins: DockerfileInstruction): string {
  const a = ins.args.trim();
  if (a.startsWith('[')) {
    try {
      const parts = JSON.parse(a) as unknown;
      if (Array.isArray(parts) && parts.every((p) => typeof p === 'string')) return squeeze(parts.join(' '));
    } catch {
      // not JSON: shell form that starts with a bracket
    }
  }
  if (a.startsWith('<<')) {
    const lines = a.split('\n');
    if (lines.length >= 2) return squeeze(lines.slice(1, -1).join('\n'));
  }
  return squeeze(a);
}

function stageOf(facts: DockerfileFacts, target: string | null): DockerfileStage | null {
  if (!target) return facts.stages.at(-1) ?? null;
  const t = target.toLowerCase();
  return facts.stages.find((s) => s.name?.toLowerCase() === t) ?? null;
}

/** The stage a FROM builds on, when it names one written before it (by name or index). */
function parentStage(facts: DockerfileFacts, stage: DockerfileStage): DockerfileStage | null {
  const at = facts.stages.indexOf(stage);
  const from = stage.from.toLowerCase();
  const earlier = facts.stages.slice(0, at);
  if (/^\d{1,3}$/.test(from)) return earlier[Number(from)] ?? null;
  return earlier.find((s) => s.name?.toLowerCase() === from) ?? null;
}

/**
 * Each layer's Dockerfile lines, from its history line (`displayInstruction`, one per layer). The final stage's
 * layer-making instructions are matched to the last layers, last to first; the layers before them belong to its
 * FROM: the stage it builds on (matched the same way), or the base image (its FROM line). Where the history and
 * the Dockerfile disagree (another Dockerfile, ONBUILD layers of the base, a short history) the layers not yet
 * matched are left unknown (null), never guessed. `target` picks the stage built (`--target`). Pure.
 */
export function dockerfileLines(
  facts: DockerfileFacts,
  file: string,
  layers: readonly string[],
  target: string | null,
): (DockerfileLine | null)[] {
  const out: (DockerfileLine | null)[] = layers.map(() => null);
  const at = (lines: LineRange, found: DockerfileLine['found']): DockerfileLine => ({
    file,
    startLine: lines.start,
    endLine: lines.end,
    found,
  });
  let i = layers.length - 1;
  const seen = new Set<DockerfileStage>();
  let stage = stageOf(facts, target);
  while (stage && !seen.has(stage)) {
    seen.add(stage);
    const own = stage.instructions.filter((x) => LAYER_KEYWORDS.has(x.keyword));
    let j = own.length - 1;
    while (i >= 0 && j >= 0) {
      const layer = historyArgs(layers[i]!);
      const ins = own[j]!;
      if (layer.keyword === ins.keyword) {
        out[i] = at(ins.lines, layer.args === writtenArgs(ins) ? 'history' : 'order');
        i--;
        j--;
      } else if (ins.keyword === 'WORKDIR')
        j--; // a folder that existed: no layer
      else return out;
    }
    if (own.slice(0, j + 1).some((x) => x.keyword !== 'WORKDIR')) return out; // fewer layers than instructions
    const parent = parentStage(facts, stage);
    if (!parent) {
      if (stage.from.toLowerCase() !== 'scratch') for (; i >= 0; i--) out[i] = at(stage.lines, 'from');
      return out;
    }
    stage = parent;
  }
  return out;
}

/** The stages whose instructions can have made the target's layers: the target and those it builds FROM. */
function stageChain(facts: DockerfileFacts, target: string | null): DockerfileStage[] {
  const chain: DockerfileStage[] = [];
  for (let s = stageOf(facts, target); s && !chain.includes(s); s = parentStage(facts, s)) chain.push(s);
  return chain;
}

/**
 * Each layer's Dockerfile lines from BuildKit's source map: the layer is the last of a step's output whose
 * layers are the image's own up to it, and which none of the step's inputs already had; its line is where that
 * step was written, if exactly one layer-making instruction of the target's stages starts there (BuildKit runs
 * identical steps once and lists every place: one outside those stages did not make the image). Null for a
 * layer the map does not tell (the base image's: no step of this Dockerfile made them). Pure.
 */
export function sourceMapLines(
  map: SourceMap,
  facts: DockerfileFacts,
  file: string,
  layers: readonly { diffId: string; digest: string | null }[],
  target: string | null,
): (DockerfileLine | null)[] {
  const byStart = new Map<number, DockerfileInstruction>();
  for (const stage of stageChain(facts, target))
    for (const ins of stage.instructions) if (LAYER_KEYWORDS.has(ins.keyword)) byStart.set(ins.lines.start, ins);
  const isLayer = (k: number, id: string) => layers[k]!.diffId === id || layers[k]!.digest === id;
  // By output length: each step is compared with the one layer its output could end at (the map is the PR's).
  const byLength = new Map<number, SourceMap['steps']>();
  for (const step of map.steps) {
    const same = byLength.get(step.chain.length);
    if (same) same.push(step);
    else byLength.set(step.chain.length, [step]);
  }
  return layers.map((_, i) => {
    const made = new Set<DockerfileInstruction>();
    for (const step of byLength.get(i + 1) ?? []) {
      const { chain } = step;
      if (!chain.every((id, k) => isLayer(k, id))) continue;
      if (step.inputs.some((c) => c.length === chain.length && c[i] === chain[i])) continue; // passed through
      for (const place of step.places) {
        const ins = byStart.get(place.start);
        if (ins && ins.lines.end === place.end) made.add(ins);
      }
    }
    if (made.size !== 1) return null;
    const [ins] = made;
    return { file, startLine: ins!.lines.start, endLine: ins!.lines.end, found: 'provenance' as const };
  });
}

/**
 * The report with each layer's Dockerfile lines; `file` is how the report names the Dockerfile. BuildKit's
 * source map, when the build left one for this very text, decides the layers it tells; the history the rest.
 * Pure.
 */
export function withDockerfileLines<T extends { layers: LayerReport[] }>(
  report: T,
  facts: DockerfileFacts | null,
  file: string,
  target: string | null,
  sourceMap: SourceMap | null = null,
): T {
  if (!facts) return report;
  const lines = dockerfileLines(
    facts,
    file,
    report.layers.map((l) => l.instruction),
    target,
  );
  const exact =
    sourceMap && sourceMap.dockerfile === facts.content
      ? sourceMapLines(sourceMap, facts, file, report.layers, target)
      : [];
  return {
    ...report,
    layers: report.layers.map((l, i) => ({ ...l, dockerfile: exact[i] ?? lines[i] ?? null })),
  };
}
