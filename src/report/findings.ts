import type { Finding } from '../model/finding.js';
import { code, prose, text } from './escape.js';
import { formatBytes } from './format-md.js';
import * as plain from '../util/format.js';

/** Fix texts quote code between backticks; prose() renders those parts as code spans and escapes the rest. */
function saving(f: Finding, format: (n: number) => string = formatBytes): string {
  if (f.bytes === 0) return '';
  return `${f.estimate ? '≈ ' : ''}−${format(f.bytes)}`;
}

export function findingsMarkdown(findings: Finding[]): string {
  return findings
    .map((f) => {
      const where = f.layer !== null ? ` (layer ${f.layer}${f.instruction ? `, ${code(f.instruction, 60)}` : ''})` : '';
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
