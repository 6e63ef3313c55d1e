/**
 * The comment's links to Dockerfile lines, rendered as GitHub renders markdown (micromark with GFM): each PR layer
 * with a line links to exactly that file and those lines at the head commit, and a hostile file name cannot end
 * the link, start another, or add markup.
 */
import { parseFragment } from 'parse5';
import { describe, expect, it } from 'vitest';
import { compare } from '../../src/compare/compare.js';
import { NO_RULES } from '../../src/model/comparison.js';
import type { ImageReport } from '../../src/model/image-report.js';
import { renderComparisonMarkdown } from '../../src/report/comparison-markdown.js';
import { lineLink } from '../../src/report/escape.js';
import { renderGfm } from '../helpers/gfm.js';
import { report } from '../helpers/reports.js';

const BLOB = 'https://github.com/acme/app/blob/0123456789abcdef0123456789abcdef01234567';

interface Node {
  nodeName: string;
  attrs?: { name: string; value: string }[];
  childNodes?: Node[];
}
function links(html: string): string[] {
  const out: string[] = [];
  const walk = (n: Node) => {
    if (n.nodeName === 'a') out.push(n.attrs?.find((a) => a.name === 'href')?.value ?? '');
    n.childNodes?.forEach(walk);
  };
  walk(parseFragment(html) as unknown as Node);
  return out;
}
function lines(r: ImageReport, file: string): ImageReport {
  return {
    ...r,
    layers: r.layers.map((l) => ({
      ...l,
      dockerfile:
        l.index === 0
          ? null
          : { file, startLine: l.index * 2, endLine: l.index * 2 + (l.index - 1), found: 'history' as const },
    })),
  };
}

describe('links from layers to their Dockerfile lines', () => {
  it('each PR layer with a line links to it at the head commit; none without a line or a blob URL', () => {
    const base = report([{ id: 'os', size: 1_000 }]);
    const head = lines(
      report([
        { id: 'os', size: 1_000 },
        { id: 'a', size: 5_000 },
        { id: 'b', size: 9_000 },
      ]),
      'svc/Dockerfile',
    );
    const c = compare(base, head, NO_RULES);
    const md = renderComparisonMarkdown(c, { name: 'app', baseLabel: 'main', commentKey: 'default', blob: BLOB });
    expect(links(renderGfm(md)).sort()).toEqual([`${BLOB}/svc/Dockerfile#L2`, `${BLOB}/svc/Dockerfile#L4-L5`]);
    expect(
      links(renderGfm(renderComparisonMarkdown(c, { name: 'app', baseLabel: 'main', commentKey: 'default' }))),
    ).toEqual([]);
  });

  it("each new finding links to its layer's lines, in the How to shrink section", () => {
    const base = report([{ id: 'os', size: 1_000 }], { findings: [] });
    const finding = {
      rule: 'package-cache' as const,
      key: 'package-cache:apt:RUN x',
      layer: 2,
      instruction: 'RUN x',
      bytes: 20_000_000,
      estimate: false,
      message: 'apt package lists left in layer 2',
      fix: 'clean them',
      paths: [],
    };
    const head = lines(
      report(
        [
          { id: 'os', size: 1_000 },
          { id: 'a', size: 5_000 },
          { id: 'b', size: 9_000 },
        ],
        { findings: [finding] },
      ),
      'Dockerfile',
    );
    const c = compare(base, head, NO_RULES);
    const md = renderComparisonMarkdown(c, { name: 'app', baseLabel: 'main', commentKey: 'default', blob: BLOB });
    const shrink = md.slice(md.indexOf('How to shrink'));
    const item = shrink.split('\n').find((l) => l.startsWith('- '))!;
    expect(links(renderGfm(item))).toEqual([`${BLOB}/Dockerfile#L4-L5`]);
  });

  it('a hostile path stays one link to one file', () => {
    for (const file of ['a) [x](https://evil.example', 'd/<img src=x>/Dockerfile', 'sp ace/Docker file', './x/./%2e']) {
      const html = renderGfm(`${lineLink('L1', BLOB, file, 1, 1)}\n`);
      const hrefs = links(html);
      expect(hrefs).toHaveLength(1);
      // also as a browser resolves it: `..` cannot climb out of the commit's tree
      expect(new URL(hrefs[0]!).href.startsWith(`${BLOB}/`)).toBe(true);
      expect(html).not.toContain('<img');
      // the path decodes back to the file as given (empty and "." segments aside)
      const path = decodeURIComponent(hrefs[0]!.slice(BLOB.length + 1).replace(/#L1$/, ''));
      expect(path).toBe(
        file
          .split('/')
          .filter((s) => s !== '' && s !== '.')
          .join('/'),
      );
    }
  });

  it('a path that climbs with `..` gets no link at all', () => {
    expect(links(renderGfm(`${lineLink('L1', BLOB, 'a/../../x', 1, 1)}\n`))).toEqual([]);
  });
});
