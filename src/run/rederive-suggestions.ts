import { applyEdits, fixEditFor } from '../advice/fix-edits.js';
import { parseDockerfile, type DockerfileFacts } from '../advice/dockerfile.js';
import type { Finding } from '../model/finding.js';
import type { Suggestion, SuggestionClaim } from '../model/suggestion.js';
import { unifiedDiff } from '../util/line-diff.js';

/** A repository-relative path a report may name: no root, no `..`, no NUL, no backslash. */
function safePath(file: string): boolean {
  if (file.startsWith('/') || file.includes('\0') || file.includes('\\')) return false;
  return file.split('/').every((s) => s !== '..' && s !== '');
}

/** The finding a key names, for the transforms (which read only its rule and its key). */
function findingOf(key: string): Finding | null {
  const rule = key.startsWith('package-cache:') ? 'package-cache' : key.startsWith('full-base:') ? 'full-base' : null;
  if (!rule) return null;
  return { rule, key, layer: null, instruction: null, bytes: 0, estimate: false, message: '', fix: '', paths: [] };
}

/**
 * The suggestions of a report read back from another job (`mode: comment`, the fork flow): each claim names a fix
 * and the lines of one instruction; the fix is written again by the same transform from the PR's own Dockerfile at
 * its head commit (`readHead`), and only the measured numbers are the report's. A claim whose lines are not one
 * instruction of that file, or whose transform there is not the fix it names, is dropped (and said why).
 */
export async function rederiveSuggestions(
  claims: readonly SuggestionClaim[],
  readHead: (file: string) => Promise<string | null>,
): Promise<{ suggestions: Suggestion[]; dropped: string[] }> {
  const suggestions: Suggestion[] = [];
  const dropped: string[] = [];
  // Each file read and parsed once, however many claims name it.
  const files = new Map<string, { text: string; facts: DockerfileFacts } | null>();
  for (const c of claims) {
    const where = `${c.file}:${c.startLine}`;
    if (c.imageBytes.after >= c.imageBytes.before) {
      dropped.push(`${where}: the report says the rebuild did not shrink the image`);
      continue;
    }
    if (c.kinds.includes('dockerignore')) {
      dropped.push(`${where}: a .dockerignore fix is not written again here (only Dockerfile fixes are)`);
      continue;
    }
    if (!safePath(c.file)) {
      dropped.push(`${where}: not a path in the repository`);
      continue;
    }
    if (!files.has(c.file)) {
      const read = await readHead(c.file);
      files.set(c.file, read === null ? null : { text: read, facts: parseDockerfile(c.file, read) });
    }
    const file = files.get(c.file)!;
    if (file === null) {
      dropped.push(`${where}: the file could not be read at the head commit`);
      continue;
    }
    const { text, facts } = file;
    const slim = c.kinds.includes('slim-base');
    const instruction = facts.stages.some((s) =>
      slim
        ? s.lines.start === c.startLine && s.lines.end === c.endLine
        : s.instructions.some((i) => i.keyword === 'RUN' && i.lines.start === c.startLine && i.lines.end === c.endLine),
    );
    const findings = c.findingKeys.map(findingOf).filter((f): f is Finding => f !== null);
    const edit = instruction
      ? fixEditFor(
          findings,
          { file: c.file, startLine: c.startLine, endLine: c.endLine, found: slim ? 'from' : 'history' },
          text,
        )
      : null;
    if (!edit || edit.kinds.join() !== c.kinds.join()) {
      dropped.push(`${where}: the file at the head commit does not give the fix the report names`);
      continue;
    }
    const diff = unifiedDiff(c.file, text, applyEdits(text, [edit]));
    if (diff === null) continue;
    suggestions.push({
      ...edit,
      savedBytes: c.savedBytes,
      imageBytes: c.imageBytes,
      buildSeconds: c.buildSeconds,
      diff,
      inDiff: c.inDiff,
    });
  }
  return { suggestions, dropped };
}
