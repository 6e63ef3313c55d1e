/**
 * Everything here renders user-controlled text (instructions, paths, image names) into GitHub markdown so that it
 * can neither break a table, mention someone, link an issue nor inject HTML.
 */

const MAX_CODE = 120;

/** Inline code that survives a table cell: pipes escaped, newlines folded, a fence longer than any backtick run. */
export function code(text: string, max = MAX_CODE): string {
  let s = text.replace(/[\r\n\t]+/g, ' ');
  if (s.length > max) s = s.slice(0, max - 1) + '…';
  s = s.replace(/\|/g, '\\|');
  const longest = Math.max(0, ...[...s.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(longest + 1);
  const pad = s.startsWith('`') || s.endsWith('`') || s === '' ? ' ' : '';
  return `${fence}${pad}${s}${pad}${fence}`;
}

/** Plain text outside code: markdown punctuation escaped, @ and # neutralised, HTML impossible. */
export function text(value: string): string {
  return value
    .replace(/[\r\n]+/g, ' ')
    .replace(/[\\`*_{}[\]()!|~>]/g, (c) => `\\${c}`)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/@/g, '&#64;')
    .replace(/#/g, '&#35;');
}
