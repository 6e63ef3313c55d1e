import { applyEdits, dockerignoreEditFor, fixEditFor } from '../advice/fix-edits.js';
import { parseDockerfile, type DockerfileFacts } from '../advice/dockerfile.js';
import type { Finding } from '../model/finding.js';
import type { FixEdit, Suggestion, SuggestionClaim } from '../model/suggestion.js';
import { unifiedDiff } from '../util/line-diff.js';
import { MISSING } from '../github/contents.js';

/** A repository-relative path a report may name: no root, no `..`, no NUL, no backslash. */
function safePath(file: string): boolean {
  if (file.startsWith('/') || file.includes('\0') || file.includes('\\')) return false;
  return file.split('/').every((s) => s !== '..' && s !== '');
}

const RULE_OF_KEY = [
  ['package-cache:', 'package-cache'],
  ['full-base:', 'full-base'],
  ['dev-files:', 'dev-files'],
] as const;

/** The finding a key names, for the transforms (which read only its rule and its key). */
function findingOf(key: string): Finding | null {
  const rule = RULE_OF_KEY.find(([prefix]) => key.startsWith(prefix))?.[1];
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
  readHead: (file: string) => Promise<string | typeof MISSING | null>,
): Promise<{ suggestions: Suggestion[]; dropped: string[] }> {
  const suggestions: Suggestion[] = [];
  const dropped: string[] = [];
  // Each file read and parsed once, however many claims name it.
  const files = new Map<string, { text: string; facts: DockerfileFacts } | null>();
  const offer = (edit: FixEdit, c: SuggestionClaim, before: string, after: string) => {
    const diff = unifiedDiff(c.file, before, after);
    if (diff === null) return;
    const { savedBytes, imageBytes, buildSeconds, inDiff } = c;
    suggestions.push({ ...edit, savedBytes, imageBytes, buildSeconds, diff, inDiff });
  };
  for (const c of claims) {
    const where = `${c.file}:${c.startLine}`;
    if (c.imageBytes.after >= c.imageBytes.before) {
      dropped.push(`${where}: the report says the rebuild did not shrink the image`);
      continue;
    }
    if (!safePath(c.file)) {
      dropped.push(`${where}: not a path in the repository`);
      continue;
    }
    if (c.kinds.includes('dockerignore')) {
      const ignore = await rederiveIgnore(c, readHead);
      if (typeof ignore === 'string') dropped.push(`${where}: ${ignore}`);
      else offer(ignore.edit, c, ignore.text, applyEdits(ignore.text, [ignore.edit]));
      continue;
    }
    if (!files.has(c.file)) {
      const read = await readHead(c.file);
      files.set(c.file, typeof read !== 'string' ? null : { text: read, facts: parseDockerfile(c.file, read) });
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
    offer(edit, c, text, applyEdits(text, [edit]));
  }
  return { suggestions, dropped };
}

/**
 * A `.dockerignore` claim, written again from that file at the head commit (none there: the fix creates it):
 * the patterns come from the findings the claim names, through the same function, and must land on the claim's
 * lines. Only a file named `.dockerignore` or `<Dockerfile>.dockerignore` is one. The edit and the text it
 * applies to, or the reason the claim is dropped.
 */
async function rederiveIgnore(
  c: SuggestionClaim,
  readHead: (file: string) => Promise<string | typeof MISSING | null>,
): Promise<{ edit: FixEdit; text: string } | string> {
  if (!c.file.endsWith('.dockerignore')) return 'not a .dockerignore';
  const read = await readHead(c.file);
  if (read === null) return 'the file could not be read at the head commit';
  const text = read === MISSING ? null : read;
  const findings = c.findingKeys.map(findingOf).filter((f): f is Finding => f !== null);
  const edit = dockerignoreEditFor(findings, { file: c.file, text });
  if (!edit || edit.startLine !== c.startLine || edit.endLine !== c.endLine || c.kinds.join() !== 'dockerignore')
    return 'the file at the head commit does not give the fix the report names';
  return { edit, text: text ?? '' };
}
