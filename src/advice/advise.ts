import type { Finding } from '../model/finding.js';
import { ImageFacts, type AdviceInput, type Rule } from './context.js';
import { deletedLater } from './rules/deleted-later.js';
import { devFiles } from './rules/dev-files.js';
import { fullBase } from './rules/full-base.js';
import { packageCache } from './rules/package-cache.js';
import { rootUser } from './rules/root-user.js';
import { singleStage } from './rules/single-stage.js';
import { toolchain } from './rules/toolchain.js';

const RULES: Rule[] = [packageCache, deletedLater, toolchain, devFiles, singleStage, fullBase, rootUser];

/** Every finding for one image, largest saving first. Needs the image's files (null without them). */
export function advise(input: AdviceInput): Finding[] | null {
  if (!input.report.contents) return null;
  const facts = new ImageFacts(input, input.report.contents);
  return RULES.flatMap((rule) => rule(facts)).sort((a, b) => b.bytes - a.bytes || a.key.localeCompare(b.key));
}

/** Adds the findings to a report measured with its files (they travel with it into JSON and comparisons). */
export function withFindings<T extends AdviceInput['report']>(report: T, extras: Omit<AdviceInput, 'report'>): T {
  const findings = advise({ report, ...extras });
  if (findings) report.findings = findings;
  return report;
}
