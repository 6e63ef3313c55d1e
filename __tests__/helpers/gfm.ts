import { micromark } from 'micromark';
import { gfm, gfmHtml } from 'micromark-extension-gfm';
import { parseFragment } from 'parse5';

/**
 * Renders markdown as GitHub does (CommonMark + GFM: tables, autolink literals, strikethrough; micromark follows
 * cmark-gfm's rules), raw HTML kept, then reads the HTML back and lists everything a comment must not carry.
 */
export function renderGfm(markdown: string): string {
  return micromark(markdown, { allowDangerousHtml: true, extensions: [gfm()], htmlExtensions: [gfmHtml()] });
}

/** Tags that the action's own markdown makes, plus the raw ones it writes (details, summary, sub). */
const ALLOWED = new Set([
  'h3',
  'p',
  'table',
  'thead',
  'tbody',
  'tr',
  'th',
  'td',
  'code',
  'strong',
  'em',
  'ul',
  'li',
  'br',
  'details',
  'summary',
  'sub',
]);

interface Node {
  nodeName: string;
  tagName?: string;
  value?: string;
  data?: string;
  attrs?: { name: string; value: string }[];
  childNodes?: Node[];
}

export interface GfmProblems {
  tags: string[];
  attributes: string[];
  mentions: string[];
  references: string[];
  comments: string[];
  autolinks: string[];
}

/** What GitHub would find in the rendered text: `@name` mentions and `#N` / `GH-N` references outside code. */
const MENTION = /(?:^|[^\w`])@[A-Za-z0-9][A-Za-z0-9-]*/g;
const REFERENCE = /(?:^|[^\w&])(?:#\d+|GH-\d+)/g;
const URL = /\b(?:https?|ftp):\/\/|\bwww\.\S/gi;

/** What `problems()` returns for a comment that carries nothing foreign. */
export const NO_PROBLEMS: GfmProblems = {
  tags: [],
  attributes: [],
  mentions: [],
  references: [],
  comments: [],
  autolinks: [],
};

export function problems(markdown: string, ownMarkers: string[]): GfmProblems {
  const out: GfmProblems = { tags: [], attributes: [], mentions: [], references: [], comments: [], autolinks: [] };
  const walk = (n: Node, inCode: boolean) => {
    if (n.nodeName === '#text') {
      const v = n.value ?? '';
      if (!inCode) {
        out.mentions.push(...[...v.matchAll(MENTION)].map((m) => m[0]));
        out.references.push(...[...v.matchAll(REFERENCE)].map((m) => m[0]));
        out.autolinks.push(...[...v.matchAll(URL)].map((m) => m[0]));
      }
      return;
    }
    if (n.nodeName === '#comment') {
      const c = `<!--${n.data ?? ''}-->`;
      if (!ownMarkers.includes(c)) out.comments.push(c);
      return;
    }
    if (n.tagName) {
      if (!ALLOWED.has(n.tagName)) out.tags.push(n.tagName);
      for (const a of n.attrs ?? [])
        if (!(a.name === 'align' && /^(left|right|center)$/.test(a.value)))
          out.attributes.push(`${n.tagName}[${a.name}]`);
    }
    for (const c of n.childNodes ?? []) walk(c, inCode || n.tagName === 'code');
  };
  walk(parseFragment(renderGfm(markdown)) as unknown as Node, false);
  return out;
}

/**
 * `<details>` opened and closed in pairs, counted in the rendered HTML before any HTML parser (which would
 * quietly repair it) reads it: raw HTML passes through verbatim, a code span's text is escaped.
 */
export function detailsBalanced(markdown: string): boolean {
  let depth = 0;
  for (const m of renderGfm(markdown).matchAll(/<(\/?)details\b[^>]*>/gi)) {
    depth += m[1] ? -1 : 1;
    if (depth < 0) return false;
  }
  return depth === 0;
}

/**
 * Every row of every table has its header's cell count. GFM pads short rows and drops extra cells, so this is
 * counted in the markdown: cell-separating pipes are the ones not escaped.
 */
export function tablesIntact(markdown: string): boolean {
  const cells = (line: string) => line.match(/(?<!\\)\|/g)?.length ?? 0;
  let want: number | null = null;
  for (const line of markdown.split('\n')) {
    if (!line.startsWith('|')) {
      want = null;
      continue;
    }
    if (want === null) want = cells(line);
    else if (cells(line) !== want) return false;
  }
  return true;
}
