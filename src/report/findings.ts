import type { Finding } from '../model/finding.js';
import { code, prose, text } from './escape.js';
import { formatBytes } from './format-md.js';
import * as plain from '../util/format.js';

/** Fix texts quote code between backticks; prose() renders those parts as code spans and escapes the rest. */
function saving(f: Finding, format: (n: number) => string = formatBytes): string {
  if (f.bytes === 0) return '';
  return `${f.estimate ? '≈ ' : ''}−${format(f.bytes)}`;
}

/**
 * `linkOf`: a link to the Dockerfile lines of a layer at the PR's head commit, when the comment has them (a build
 * here, on a pull request), so each finding goes to the code in one click.
 */
export function findingsMarkdown(findings: Finding[], linkOf?: (layer: number) => string | null): string {
  return findings
    .map((f) => {
      const link = f.layer !== null ? linkOf?.(f.layer) : null;
      const where =
        f.layer !== null
          ? ` (layer ${f.layer}${f.instruction ? `, ${code(f.instruction, 60)}` : ''}${link ? `, ${link}` : ''})`
          : '';
      const paths = f.paths.length > 0 ? ` · ${f.paths.map((p) => code(p, 60)).join(', ')}` : '';
      const lead = saving(f) ? `**${saving(f)}** ` : '';
      return `- ${lead}${text(f.message)}${where}${paths}: ${prose(f.fix)}.`;
    })
    .join('\n');
}

export function findingsText(findings: Finding[]): string[] {
  return findings.map((f) => {
    const where = f.layer !== null ? ` [layer ${f.layer}]` : '';
    const s = saving(f, plain.formatBytes);
    return `  ${(s || '—').padStart(11)}  ${f.message}${where}\n               fix: ${f.fix.replace(/`/g, '')}${f.paths.length ? `\n               e.g. ${f.paths.join(', ')}` : ''}`;
  });
}
