import { createTwoFilesPatch, structuredPatch } from 'diff';

/**
 * Past this many edits a diff is given up (jsdiff's `maxEditLength`): a Dockerfile is short, and a hostile one must
 * not cost quadratic time.
 */
const MAX_EDITS = 2000;

/** Which lines of a new file a change touched, and the lines a diff of it shows (the hunks, with 3 lines of context). */
export interface ChangedLines {
  /** 1-based lines of the new file that are added or changed. */
  added: ReadonlySet<number>;
  /** The new file's side of each hunk, as GitHub shows the pull request's diff (1-based, inclusive). */
  hunks: readonly { start: number; end: number }[];
}

/**
 * The lines `after` changes against `before` (null: the file is new, every line is added). Null when the diff is
 * past MAX_EDITS. Pure.
 */
export function changedLines(before: string | null, after: string): ChangedLines | null {
  const count = after.split('\n').length - (after.endsWith('\n') ? 1 : 0);
  if (before === null) return { added: new Set(range(1, count)), hunks: count > 0 ? [{ start: 1, end: count }] : [] };
  const patch = structuredPatch('a', 'b', before, after, undefined, undefined, {
    context: 3,
    maxEditLength: MAX_EDITS,
  });
  if (!patch) return null;
  const added = new Set<number>();
  const hunks: { start: number; end: number }[] = [];
  for (const h of patch.hunks) {
    let line = h.newStart;
    for (const l of h.lines) {
      if (l.startsWith('+')) added.add(line++);
      else if (l.startsWith(' ')) line++;
    }
    if (h.newLines > 0) hunks.push({ start: h.newStart, end: h.newStart + h.newLines - 1 });
  }
  return { added, hunks };
}

function range(from: number, to: number): number[] {
  const out: number[] = [];
  for (let i = from; i <= to; i++) out.push(i);
  return out;
}

/** A unified diff of one file (`a/path`, `b/path`), 3 lines of context; null when past MAX_EDITS. Pure. */
export function unifiedDiff(path: string, before: string, after: string): string | null {
  const text = createTwoFilesPatch(`a/${path}`, `b/${path}`, before, after, undefined, undefined, {
    context: 3,
    maxEditLength: MAX_EDITS,
  });
  if (text === undefined) return null;
  // jsdiff starts with a line of `=` (the separator of its `Index:` form): the diff starts after it.
  const body = text.startsWith('=') ? text.slice(text.indexOf('\n') + 1) : text;
  return body.trimEnd();
}
