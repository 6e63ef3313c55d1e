import type { Policy, RuleProposal } from '../model/run.js';
import { code, text } from './escape.js';
import { formatBytes, formatPercent } from './format-md.js';

function value(p: RuleProposal, v: number | string | null): string {
  if (v === null) return 'off';
  if (typeof v === 'string') return code(v, 200);
  return p.unit === 'bytes' ? formatBytes(v) : p.unit === 'percent' ? formatPercent(v, 1) : String(v);
}

/**
 * Where an image's rules came from and what the PR's config would change: the reviewer sees a loosening before
 * merging it, and sees that it did not judge this PR.
 */
export function policyMarkdown(policy: Policy, name: string): string | null {
  const lines: string[] = [];
  if (policy.rulesFrom)
    lines.push(
      `_Rules from ${code(policy.rulesFrom.file)} at ${code(policy.rulesFrom.commit.slice(0, 7))} (the base branch), with the workflow's where stricter._`,
    );
  if (policy.newInConfig)
    lines.push(`_${code(name)} is new in this PR's config file: judged by the workflow's rules until merged._`);
  if (policy.proposed.length > 0)
    lines.push(
      `⚠️ Proposed by this PR (takes effect once merged, not here): ${policy.proposed
        .map((p) => `${text(p.rule)} ${value(p, p.proposed)} (base: ${value(p, p.judged)})`)
        .join(' · ')}`,
    );
  if (policy.buildChanges.length > 0)
    lines.push(
      `This PR changes how ${code(name)} is built: ${policy.buildChanges
        .map(
          (c) =>
            `${text(c.field)} ${c.base === null ? '(none)' : code(c.base)} → ${c.head === null ? '(none)' : code(c.head)}`,
        )
        .join(' · ')}`,
    );
  return lines.length > 0 ? lines.join('\n\n') : null;
}
