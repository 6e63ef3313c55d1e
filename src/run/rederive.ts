import { RULE_FIXES } from '../advice/fixes.js';
import { compare } from '../compare/compare.js';
import type { ImageReport } from '../model/image-report.js';
import type { Entry, RunReport } from '../model/run.js';

function trustedFindings(r: ImageReport): ImageReport {
  if (!r.findings) return r;
  return { ...r, findings: r.findings.map((f) => ({ ...f, fix: RULE_FIXES[f.rule] })) };
}

/**
 * A report read back from another job is data, not a verdict: the comparison is computed again from the two
 * images' numbers and the rules (totals, layer rows, violations, verdict), the approval comes from the caller (the
 * PR's labels read through the API), and every fix sentence is replaced by the rule's own. Only the file lists,
 * which need the layer entries a report does not carry, are taken as they are (their strings are escaped when
 * rendered and their numbers are checked numbers).
 */
export function rederiveEntries(reports: RunReport[], approved: boolean): Entry[] {
  return reports.flatMap((r) =>
    r.entries.map((e) => {
      const c = e.comparison;
      const again = compare(c.base ? trustedFindings(c.base) : null, trustedFindings(c.head), c.rules, {
        baseMissingReason: c.baseMissingReason,
        approved,
      });
      // A report's suggestions are claims: rederive-suggestions writes them again from the PR's file, or not at all.
      const rest: Entry = { ...e, comparison: { ...again, files: c.files } };
      delete rest.suggestions;
      return rest;
    }),
  );
}
