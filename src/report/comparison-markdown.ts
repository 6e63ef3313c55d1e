import { markdownTable } from 'markdown-table';
import { judgedTotals } from '../compare/compare.js';
import type { Comparison, LayerRow, Totals } from '../model/comparison.js';
import type { BaseOrigin, Entry, Policy, Unchanged } from '../model/run.js';
import { policyMarkdown } from './policy.js';
import { code, html, lineLink, text } from './escape.js';
import { lineLabel } from './dockerfile-line.js';
import type { ImageReport } from '../model/image-report.js';
import { formatBytes, formatPercent, formatSignedBytes, formatSignedPercent, layerName } from './format-md.js';
import { headlinePercent } from '../util/format.js';
import { packagesMarkdown } from './packages.js';
import { trendMermaid, trendWords } from './trend.js';
import type { Trend } from '../model/history.js';
import type { Suggestion } from '../model/suggestion.js';
import { filesChangeMarkdown } from './files-change.js';
import { findingsMarkdown } from './findings.js';
import { suggestionsMarkdown } from './suggestions-markdown.js';
import { describeRules } from './rules.js';

export const COMMENT_LIMIT = 65536;
/** Unpadded tables: the comment limit counts characters, and GitHub renders both the same. */
const COMPACT = { alignDelimiters: false } as const;
export const MARKER_PREFIX = '<!-- docker-size-guard:';

export function marker(key: string): string {
  // The key is user text inside an HTML comment: keep it to a safe alphabet.
  return `${MARKER_PREFIX}${key.replace(/[^A-Za-z0-9_./:@-]/g, '_')} -->`;
}

export interface RenderContext {
  /** The image's display name (e.g. the comment key or the Dockerfile path). */
  name: string;
  /** How the base is called: a branch name or a short commit. */
  baseLabel: string;
  commentKey: string;
  /** At most this many layer rows (the rest are summarised); lowered to fit the comment limit. */
  maxLayerRows?: number;
  /** The base branch's size history with this PR's point, when the history was read. */
  trend?: Trend;
  /** Where the rules came from and what the PR's config proposes (pull requests judged by a base commit). */
  policy?: Policy;
  /** Whether the base commit's numbers are the measurement stored when it was pushed, or a build (and why). */
  baseOrigin?: BaseOrigin;
  /** `https://github.com/OWNER/REPO/blob/HEAD_SHA`: each PR layer links to its Dockerfile lines there. */
  blob?: string;
  /** Fixes rebuilt and measured for this image, and those of them posted as a review's suggestions instead. */
  suggestions?: readonly Suggestion[];
  reviewed?: ReadonlySet<Suggestion>;
}

/** One line on where the base's numbers come from. */
function baseOriginLine(o: BaseOrigin, baseLabel: string): string {
  const at = code(o.commit.slice(0, 7));
  const since =
    o.from === 'stored' && o.unchangedTo
      ? `, and no file it is built from changed up to ${code(o.unchangedTo.slice(0, 7))}`
      : '';
  return o.from === 'stored'
    ? `Base: measured on ${code(baseLabel)} at ${at} when it was pushed (${text(o.date.slice(0, 10))})${since}; not built again.`
    : `Base: built from ${at}: ${text(o.why)}.`;
}

/** compressed-size-action's scale, which users of size comments know. */
export function changeIcon(percent: number | null): string {
  if (percent === null) return '';
  if (percent >= 0.5) return ' 🆘';
  if (percent >= 0.2) return ' 🚨';
  if (percent >= 0.1) return ' ⚠️';
  if (percent >= 0.05) return ' 🔍';
  if (percent <= -0.5) return ' 🏆';
  if (percent <= -0.2) return ' 🎉';
  if (percent <= -0.1) return ' 👏';
  if (percent <= -0.05) return ' ✅';
  return '';
}

function change(t: Totals, bold: boolean): string {
  if (t.delta === null) return 'new';
  const s = `${formatSignedBytes(t.delta)} (${formatSignedPercent(t.percent)})`;
  return (bold ? `**${s}**` : s) + changeIcon(t.percent);
}

function headline(c: Comparison, ctx: RenderContext): string {
  const mark =
    c.verdict === 'fail' ? '❌ failed' : c.verdict === 'warn' ? '⚠️ warning' : c.approved ? '✅ approved' : '✅ passed';
  const t = judgedTotals(c);
  let what = '';
  if (!c.significant && t.delta !== null) {
    what = ` · ${code(ctx.name)}: no significant change (${formatSignedBytes(t.delta)}, below ${minChangeText(c)})`;
  } else if (t.percent !== null && t.delta !== null) {
    const pct = headlinePercent(t.percent);
    what =
      t.delta < 0
        ? ` · ${code(ctx.name)} is ${pct} % smaller`
        : t.delta > 0
          ? ` · ${code(ctx.name)} is ${pct} % larger`
          : ` · ${code(ctx.name)} is unchanged`;
  } else if (c.base === null) {
    what = ` · ${code(ctx.name)} is ${formatBytes(t.head)} (no base to compare)`;
  }
  return `### 🐳 Docker image size — ${mark}${what}`;
}

function minChangeText(c: Comparison): string {
  return describeRules(c.rules)
    .filter((r) => r.name.startsWith('min-change'))
    .map((r) => r.text)
    .join(' / ');
}

function summaryTable(c: Comparison, ctx: RenderContext): string {
  const est = c.compressedIsEstimate ? ' (estimated)' : '';
  const base = `Base (${code(ctx.baseLabel)})`;
  const rows = [
    ['Image', base, 'This PR', 'Change'],
    [
      `${code(ctx.name)} (${text(c.head.platform)})`,
      formatBytes(c.uncompressed.base),
      formatBytes(c.uncompressed.head),
      change(c.uncompressed, c.rules.metric === 'uncompressed'),
    ],
    [
      `${code(ctx.name)} compressed (pull)${est}`,
      formatBytes(c.compressed.base),
      formatBytes(c.compressed.head),
      change(c.compressed, c.rules.metric === 'compressed'),
    ],
    [
      'Layers',
      c.layers.base === null ? '—' : String(c.layers.base),
      String(c.layers.head),
      c.layers.base === null ? '' : signed(c.layers.head - c.layers.base),
    ],
  ];
  if (c.split) {
    // Which part moved: a bump of FROM's tag, or what this Dockerfile does on it.
    const metric = c.rules.metric === 'compressed' ? ' (compressed)' : '';
    for (const [label, t] of [
      [`of it, the base image's layers (\`FROM\`)${metric}`, c.split.baseImage],
      [`of it, this Dockerfile's own layers${metric}`, c.split.own],
    ] as const)
      rows.push([label, formatBytes(t.base), formatBytes(t.head), t.delta === null ? '' : formatSignedBytes(t.delta)]);
  }
  if (c.newToPull !== null)
    rows.push([`New to pull for a host that has ${code(ctx.baseLabel)}`, '', formatBytes(c.newToPull), '']);
  return markdownTable(rows, { align: ['l', 'r', 'r', 'r'], ...COMPACT });
}

function signed(n: number): string {
  return n > 0 ? `+${n}` : n < 0 ? `−${-n}` : '±0';
}

function rulesLine(c: Comparison): string {
  const line = rulesOnly(c);
  // Asked to judge the own layers but the split is not known: say which totals were judged.
  return c.rules.judge === 'own-layers' && !c.split
    ? `${line}\n\n_\`judge: own-layers\`: the whole image was judged, since not every layer's Dockerfile line is known._`
    : line;
}

function rulesOnly(c: Comparison): string {
  const active = describeRules(c.rules);
  const broken = new Set(c.violations.map((v) => v.rule));
  const passed = active.filter((r) => !broken.has(r.name)).map((r) => `${code(r.text)} ✅`);
  if (c.violations.length === 0) {
    return active.length === 0 ? 'Rules: none set (report only)' : `Rules: ${passed.join(' · ')}`;
  }
  const lines = c.violations.map((v) => `- ${v.level === 'fail' ? '❌' : '⚠️'} ${code(v.message, 300)}`);
  if (passed.length) lines.push(`- ${passed.join(' · ')}`);
  if (c.approved)
    lines.push('- ✅ approved: the PR carries the approval label, so the failure does not block the merge');
  return lines.join('\n');
}

/** A link to a PR layer's Dockerfile lines at the head commit; null without a blob URL or a known line. */
function headLineLink(head: ImageReport, i: number, blob: string | undefined): string | null {
  const line = head.layers[i]?.dockerfile;
  return blob && line ? lineLink(lineLabel(line), blob, line.file, line.startLine, line.endLine) : null;
}

function layerTable(rows: LayerRow[], limit: number, head: ImageReport, blob: string | undefined): string {
  const prLayer = (i: number) => {
    const link = headLineLink(head, i, blob);
    return link ? `${layerName('head', i)} (${link})` : layerName('head', i);
  };
  const sorted = [...rows].sort(
    (a, b) => Math.abs(b.delta) - Math.abs(a.delta) || (a.headIndex ?? 999) - (b.headIndex ?? 999),
  );
  const shown = sorted.slice(0, limit);
  const statusText = (r: LayerRow) =>
    r.status === 'changed' ? formatSignedBytes(r.delta) : r.status === 'moved' ? 'shared (moved)' : r.status;
  const table = markdownTable(
    [
      ['Base layer', 'PR layer', 'Instruction', 'Base', 'PR', 'Change'],
      ...shown.map((r) => [
        r.baseIndex === null ? '' : layerName('base', r.baseIndex),
        r.headIndex === null ? '' : prLayer(r.headIndex),
        code(r.instruction),
        formatBytes(r.base?.uncompressedBytes ?? null),
        formatBytes(r.head?.uncompressedBytes ?? null),
        r.status === 'new' || r.status === 'removed' ? `${r.status} (${formatSignedBytes(r.delta)})` : statusText(r),
      ]),
    ],
    { align: ['l', 'l', 'l', 'r', 'r', 'r'], ...COMPACT },
  );
  const more = rows.length - shown.length;
  return more > 0
    ? `${table}\n\n_${more} more layers not shown (the comment is limited to ${COMMENT_LIMIT} characters; the job summary and the JSON report have them all)._`
    : table;
}

function wasteSection(c: Comparison): string | null {
  const w = c.head.waste;
  if (!w) return null;
  const bw = c.base?.waste;
  // dive divides by the bytes of the layers above the first: with none, the share is not defined, so not shown.
  const share =
    w.userWastedPercent === null
      ? ''
      : ` · ${formatPercent(w.userWastedPercent)} of the bytes in the layers above the first`;
  const lines = [
    `Efficiency ${formatPercent(w.efficiency, 2)}${bw ? ` (base ${formatPercent(bw.efficiency, 2)})` : ''} · wasted ${formatBytes(w.wastedBytes)}${bw ? ` (base ${formatBytes(bw.wastedBytes)})` : ''}${share}`,
  ];
  if (w.files.length > 0) {
    lines.push(
      '',
      markdownTable(
        [
          ['Path', 'Copies', 'Wasted'],
          ...w.files.slice(0, 10).map((f) => [code(f.path), String(f.count), formatBytes(f.wastedBytes)]),
        ],
        { align: ['l', 'r', 'r'], ...COMPACT },
      ),
    );
  }
  return lines.join('\n');
}

/** The collapsed sections, in the order they are left out when a comment would be too long (first goes first). */
const OPTIONAL = ['waste', 'findings', 'files', 'packages', 'trend', 'suggestions', 'layers'] as const;
type Optional = (typeof OPTIONAL)[number];

/** How much a rendering holds: at most `limit` layer rows, and none of the sections in `drop`. */
interface Detail {
  limit: number;
  drop: ReadonlySet<Optional>;
  /** Several images: the table of verdicts alone, no image's details. */
  brief?: boolean;
}

/** Everything about one comparison below its headline: tables, rules, and the collapsed details. */
function sections(c: Comparison, ctx: RenderContext, { limit, drop }: Detail): string[] {
  const parts = [summaryTable(c, ctx), '', rulesLine(c)];
  const policy = ctx.policy ? policyMarkdown(ctx.policy, ctx.name) : null;
  if (policy) parts.push('', policy);
  if (ctx.baseOrigin) parts.push('', baseOriginLine(ctx.baseOrigin, ctx.baseLabel));
  if (c.baseMissingReason)
    parts.push('', `_No base image: ${text(c.baseMissingReason)}. The absolute rules still apply._`);
  if (ctx.trend) {
    parts.push('', `📈 ${trendWords(ctx.trend, ctx.baseLabel)}`);
    if (ctx.trend.records.length > 0 && !drop.has('trend'))
      parts.push(
        '',
        `<details><summary>Size over time (${ctx.trend.records.length} builds of ${html(ctx.baseLabel)} and this PR)</summary>`,
        '',
        trendMermaid(ctx.trend),
        '',
        '</details>',
      );
  }
  if (!drop.has('layers'))
    parts.push(
      '',
      '<details><summary>Layers (largest changes first)</summary>',
      '',
      layerTable(c.layerRows, limit, c.head, ctx.blob),
      '',
      '</details>',
    );
  const packages = c.packages && !drop.has('packages') ? packagesMarkdown(c.packages) : null;
  if (packages)
    parts.push(
      '',
      `<details${packages.open ? ' open' : ''}><summary>Packages (${html(packages.summary)})</summary>`,
      '',
      packages.body,
      '',
      '</details>',
    );
  const files = c.files && !drop.has('files') ? filesChangeMarkdown(c.files) : null;
  if (files) parts.push('', '<details><summary>Where the bytes are (top paths)</summary>', '', files, '', '</details>');
  if (c.newFindings && c.newFindings.length > 0 && !drop.has('findings')) {
    const which = c.base?.findings ? 'new in this PR, ' : '';
    parts.push(
      '',
      `<details><summary>How to shrink (${which}measured)</summary>`,
      '',
      findingsMarkdown(c.newFindings, (layer) => headLineLink(c.head, layer, ctx.blob)),
      '',
      '</details>',
    );
  }
  const fixes = ctx.suggestions ?? [];
  if (fixes.length > 0 && !drop.has('suggestions')) {
    const inReview = fixes.filter((f) => ctx.reviewed?.has(f)).length;
    const here = fixes.filter((f) => !ctx.reviewed?.has(f));
    parts.push(
      '',
      `<details><summary>Suggested fixes (measured: ${fixes.length} rebuilt and smaller)</summary>`,
      '',
      suggestionsMarkdown(here, ctx.blob, inReview),
      '',
      '</details>',
    );
  }
  const waste = drop.has('waste') ? null : wasteSection(c);
  if (waste) parts.push('', "<details><summary>Waste (dive's definitions)</summary>", '', waste, '', '</details>');
  if (drop.size > 0)
    parts.push(
      '',
      `_Left out to fit GitHub's ${COMMENT_LIMIT}-character comment limit: ${[...drop].join(', ')} (the JSON report has them all)._`,
    );
  const ignored = c.head.ignored;
  if (ignored)
    parts.push(
      '',
      `_Left out of the waste numbers and of "Where the bytes are" (\`ignore-paths\` ${ignored.patterns.map((p) => code(p, 60)).join(', ')}): ${ignored.files} files, ${formatBytes(ignored.bytes)} of the PR image._`,
    );
  return parts;
}

/** Where the compressed numbers come from, in the footer's words. */
function compressedSource(estimated: boolean, builders: { name: string; driver: string }[]): string {
  if (estimated) return ' (estimated with gzip on this runner)';
  return builders[0] ? ` (exact: BuildKit's export from the ${html(builders[0].driver)} builder)` : '';
}

function footer(
  estimated: boolean,
  metric: string,
  key: string,
  builders: { name: string; driver: string }[],
): string[] {
  return [
    '',
    `<sub>docker-size-guard · uncompressed = layer tar bytes; compressed = what a registry stores${compressedSource(estimated, builders)} · judged on ${metric} size</sub>`,
    marker(key),
  ];
}

/** The builders whose own export a side was measured from (an archive, not the daemon's store). */
function buildersOf(cs: Comparison[]): { name: string; driver: string }[] {
  return cs
    .flatMap((c) => [c.head.source, c.base?.source])
    .flatMap((s) => (s?.builder && /^(docker|oci)-archive$/.test(s.transport) ? [s.builder] : []));
}

/**
 * Renders with the most detail that fits the comment limit: fewer layer rows first, then whole sections left out
 * (and said so). Text is never cut here: a cut could land inside a code span or an HTML block and set its
 * content loose. A rendering that is still too long with every section left out is refused.
 */
function fit(render: (d: Detail) => string, start: number): string {
  const tries: Detail[] = [];
  for (let limit = start; limit > 0; limit = Math.floor(limit / 2)) tries.push({ limit, drop: new Set() });
  for (let i = 1; i <= OPTIONAL.length; i++) tries.push({ limit: 0, drop: new Set(OPTIONAL.slice(0, i)) });
  tries.push({ limit: 0, drop: new Set(OPTIONAL), brief: true });
  let body = '';
  for (const d of tries) {
    body = render(d);
    if (body.length <= COMMENT_LIMIT) return body;
  }
  throw new Error(`the report does not fit in a comment (${body.length} characters with every detail left out)`);
}

/** The PR comment / job summary for one image. Every user-controlled string goes through escape.ts. */
export function renderComparisonMarkdown(c: Comparison, ctx: RenderContext): string {
  return fit(
    (detail) =>
      [
        headline(c, ctx),
        '',
        ...sections(c, ctx, detail),
        ...footer(c.compressedIsEstimate, c.rules.metric, ctx.commentKey, buildersOf([c])),
      ].join('\n') + '\n',
    ctx.maxLayerRows ?? 200,
  );
}

const VERDICT_MARK = { pass: '✅', warn: '⚠️', fail: '❌' } as const;

/**
 * The comment for a run of several images or platforms: one row each with its verdict, then each one's details
 * collapsed. A single entry renders as the one-image comment.
 */
export function renderEntriesMarkdown(
  entries: Entry[],
  commentKey: string,
  unchanged: Unchanged[] = [],
  blob?: string,
  reviewed?: ReadonlySet<Suggestion>,
): string {
  if (entries.length === 1 && unchanged.length === 0) {
    const e = entries[0]!;
    return renderComparisonMarkdown(e.comparison, {
      name: e.name,
      baseLabel: e.baseLabel,
      commentKey,
      ...(e.trend ? { trend: e.trend } : {}),
      ...(e.policy ? { policy: e.policy } : {}),
      ...(e.baseOrigin ? { baseOrigin: e.baseOrigin } : {}),
      ...(blob ? { blob } : {}),
      ...(e.suggestions?.length ? { suggestions: e.suggestions, ...(reviewed ? { reviewed } : {}) } : {}),
    });
  }
  const failed = entries.filter((e) => e.comparison.verdict === 'fail').length;
  const warned = entries.filter((e) => e.comparison.verdict === 'warn').length;
  const mark = failed
    ? `❌ ${failed} of ${entries.length} failed`
    : warned
      ? `⚠️ ${warned} of ${entries.length} warned`
      : entries.length === 0
        ? '✅ no image changed in this PR'
        : '✅ all passed';
  const table = markdownTable(
    [
      ['Image', 'Platform', 'Base', 'This PR', 'Change', ''],
      ...entries.map((e) => {
        const t = judgedTotals(e.comparison);
        return [
          code(e.name),
          text(e.comparison.head.platform),
          formatBytes(t.base),
          formatBytes(t.head),
          e.comparison.significant ? change(t, false) : `${formatSignedBytes(t.delta)} (not significant)`,
          VERDICT_MARK[e.comparison.verdict] + (e.comparison.approved ? ' approved' : ''),
        ];
      }),
      // changed-only: no file these are built from changed, so they were not built.
      ...unchanged.map((u) => [
        code(u.name),
        '',
        u.last ? `${formatBytes(u.last.uncompressed)} (${code(u.last.commit.slice(0, 7))})` : '—',
        '—',
        u.reason ? text(u.reason, 300) : 'unchanged in this PR',
        '⏭️',
      ]),
    ],
    { align: ['l', 'l', 'r', 'r', 'r', 'l'], ...COMPACT },
  );
  const estimated = entries.some((e) => e.comparison.compressedIsEstimate);
  const metrics = [...new Set(entries.map((e) => e.comparison.rules.metric))].join(' / ') || 'uncompressed';
  return fit(
    (detail) =>
      [
        `### 🐳 Docker image sizes — ${mark}`,
        '',
        table,
        ...(detail.brief
          ? [
              '',
              `_Each image's details are left out to fit GitHub's ${COMMENT_LIMIT}-character comment limit (the JSON report has them all)._`,
            ]
          : []),
        ...(detail.brief ? [] : entries).flatMap((e) => [
          '',
          // An HTML block: markdown (code spans included) is not parsed on this line, so html() escapes it.
          `<details><summary>${VERDICT_MARK[e.comparison.verdict]} ${html(e.name)} ${html(e.comparison.head.platform)} (base ${html(e.baseLabel)})</summary>`,
          '',
          ...sections(
            e.comparison,
            {
              name: e.name,
              baseLabel: e.baseLabel,
              commentKey,
              ...(e.trend ? { trend: e.trend } : {}),
              ...(e.policy ? { policy: e.policy } : {}),
              ...(e.baseOrigin ? { baseOrigin: e.baseOrigin } : {}),
              ...(blob ? { blob } : {}),
              ...(e.suggestions?.length ? { suggestions: e.suggestions, ...(reviewed ? { reviewed } : {}) } : {}),
            },
            detail,
          ),
          '',
          '</details>',
        ]),
        ...footer(estimated, metrics, commentKey, buildersOf(entries.map((e) => e.comparison))),
      ].join('\n') + '\n',
    50,
  );
}
