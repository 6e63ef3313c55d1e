/**
 * The one rendering rule for text that reaches GitHub markdown from an image, a Dockerfile, a config file or a
 * report (docs/security.md). Such text can never break a table, open or close HTML, link, embed an image, mention
 * anyone or reference an issue:
 *   - `code()` where the text is code (instructions, paths, image names), in markdown context only;
 *   - `text()` in markdown context: punctuation backslash-escaped, `<` and `&` as entities, links defused;
 *   - `html()` inside an HTML block (`<summary>`), where markdown is not parsed: entities only, links defused;
 *   - `codeBlock()` for whole lines shown as they are (a fix's diff, a review's suggestion).
 * GitHub finds mentions and `#N` references in the rendered text (where `&#64;` is an `@` again), so `@` and `#`
 * are followed by a zero-width joiner, which no mention or reference pattern accepts.
 */

import { CONTROL } from '../util/control.js';

const MAX_CODE = 120;
const ZWJ = '\u200d';

/** Breaks what GitHub would turn into a mention, an issue link or an autolink, after the rendering. */
function defuse(s: string): string {
  return (
    s
      .replace(/[@#]/g, (c) => c + ZWJ)
      .replace(/\b(GH)-(?=\d)/gi, `$1-${ZWJ}`)
      // GFM's extended autolinks start at `www.` and at `scheme:` / `scheme://`.
      .replace(/(www)\./gi, `$1${ZWJ}.`)
      .replace(/:\/\//g, `:${ZWJ}//`)
  );
}

/** Control characters other than tab and newline have no business in a comment. */
function printable(s: string): string {
  return s.replace(CONTROL, '\ufffd');
}

function clipTo(s: string, max: number): string {
  return s.length > max ? s.slice(0, max - 1) + '…' : s;
}

/**
 * Inline code that survives a table cell: pipes escaped, newlines folded, a fence longer than any backtick run.
 * Inside a code span nothing is a link, a mention or HTML; its content is defused all the same (a zero-width
 * joiner after `<`, `@`, `#` and in autolinks, invisible in the span), so that it stays harmless even if the span
 * were ever broken open.
 */
export function code(value: string, max = MAX_CODE): string {
  let s = defuse(clipTo(printable(value).replace(/[\r\n\t]+/g, ' '), max)).replace(/</g, `<${ZWJ}`);
  s = s.replace(/\|/g, '\\|');
  const longest = Math.max(0, ...[...s.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(longest + 1);
  const pad = s.startsWith('`') || s.endsWith('`') || s === '' ? ' ' : '';
  return `${fence}${pad}${s}${pad}${fence}`;
}

/**
 * A fenced code block (`diff`, `suggestion`): its lines as they are, behind a fence longer than any backtick run
 * in them, so no line can close it; GitHub parses no markdown, HTML, mention or reference inside. Control
 * characters are replaced as everywhere. `info` is ours (`diff`, `suggestion`), never the input's.
 */
export function codeBlock(value: string, info: 'diff' | 'suggestion'): string {
  // A CR before a newline is the line's end (a CRLF file): the block's lines end with the newline alone.
  const body = printable(value.split('\r\n').join('\n').replace(/\r$/, ''));
  let longest = 0;
  let run = 0;
  for (const ch of body) {
    run = ch === '`' ? run + 1 : 0;
    if (run > longest) longest = run;
  }
  const fence = '`'.repeat(Math.max(3, longest + 1));
  return `${fence}${info}\n${body}\n${fence}`;
}

/** Plain text in markdown context: no markup, no HTML, no link, no mention, no reference. */
export function text(value: string, max = 1000): string {
  return (
    clipTo(defuse(printable(value)).replace(/[\r\n]+/g, ' '), max)
      .replace(/[\\`*_{}[\]()!|~>#+-]/g, (c) => `\\${c}`)
      .replace(/&/g, '&amp;')
      .replace(/</g, '&lt;')
      // An ordered-list marker where the text may start a line (a list item's first words).
      .replace(/^(\d+)([.)])/, '$1\\$2')
  );
}

/** Text inside an HTML block (`<summary>…</summary>`): markdown is not parsed there, so entities do the work. */
export function html(value: string, max = 200): string {
  return clipTo(defuse(printable(value)).replace(/[\r\n]+/g, ' '), max)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');
}

/**
 * Our own sentences that quote code between backticks (advice fixes): each quoted part becomes a code span, the
 * rest plain text. Safe for any input, so a forged sentence renders as harmless text.
 */
export function prose(value: string, max = 600): string {
  const parts = clipTo(printable(value), max).split('`');
  // An odd count of backticks leaves the last part unquoted.
  return parts.map((p, i) => (i % 2 === 1 && i < parts.length - 1 ? code(p, max) : text(p, max))).join('');
}

/**
 * A line of a program's output (a build's progress) for the Actions log: the runner reads a line that starts with
 * `::` as a workflow command (`::add-mask::`, `::stop-commands::`, `::warning file=…::`), so a Dockerfile's RUN
 * could speak for the action. A zero-width space (not whitespace to the runner's trim) goes first on such a line.
 */
export function logLine(s: string): string {
  const t = s.trimStart();
  return t.startsWith('::') ? `\u200b${t}` : s;
}

/**
 * A link to lines of a repository file at a commit, for markdown. `blob` is our own base URL
 * (`https://github.com/OWNER/REPO/blob/SHA`, from the runner's environment); the path comes from build inputs, so
 * each segment is percent-encoded (parentheses, brackets and spaces too): nothing in it can end the link or start
 * another. The link text is ours (`L12–14`).
 */
export function lineLink(label: string, blob: string, file: string, start: number, end: number): string {
  const segments = file.split('/').filter((s) => s !== '' && s !== '.');
  // A browser resolves `..` (encoded or not) out of the commit's tree: such a path gets no link.
  if (segments.includes('..')) return text(label);
  const path = segments
    .map((s) => encodeURIComponent(s).replace(/[()!'*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`))
    .join('/');
  const anchor = start === end ? `#L${start}` : `#L${start}-L${end}`;
  return `[${text(label)}](${blob}/${path}${anchor})`;
}
