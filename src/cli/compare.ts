import { parseArgs } from 'node:util';
import { compare } from '../compare/compare.js';
import { parseRules, RULE_NAMES } from '../compare/parse-rules.js';
import { withFindings } from '../advice/advise.js';
import { measureImages } from '../engine.js';
import { applyIgnore, checkIgnorePaths } from '../measure/ignore.js';
import { UserError } from '../errors.js';
import { renderComparisonMarkdown } from '../report/comparison-markdown.js';
import { renderComparisonText } from '../report/comparison-text.js';
import { parsePlatform } from '../sources/platform.js';
import { redactValues } from '../run/redact.js';
import { IMAGE_FLAGS, parseFormat } from './args.js';
import type { Output } from './output.js';
import type { Comparison } from '../model/comparison.js';

export const RULE_FLAGS = Object.fromEntries(RULE_NAMES.map((k) => [k, { type: 'string' as const }])) as Record<
  string,
  { type: 'string' }
>;

export const COMPARE_USAGE = `Usage: docker-size-guard compare BASE HEAD [--platform P] [--format text|json|markdown] [--no-files]
                                        [--metric compressed|uncompressed] [--judge all|own-layers] [--max-size S] [--max-increase S]
                                        [--max-increase-percent P] [--warn-increase S] [--warn-increase-percent P]
                                        [--max-layer-size S] [--max-layers N] [--min-efficiency P]
                                        [--max-wasted-bytes S] [--max-wasted-percent P]
                                        [--min-change S] [--min-change-percent P] [--ignore-path GLOB]…
Exit: 0 pass or warn, 1 a rule failed, 2 bad input.
`;

/**
 * Prints a comparison and returns the exit code. The code is decided from the comparison as judged; `secrets`
 * are taken out of the printed copy only.
 */
export function emitComparison(
  judged: Comparison,
  format: string,
  names: { base: string; head: string },
  io: Output,
  secrets: readonly string[] = [],
): number {
  const code = judged.verdict === 'fail' ? 1 : 0;
  const c = redactValues(judged, secrets);
  if (format === 'json') io.out(JSON.stringify(c, null, 2) + '\n');
  else if (format === 'markdown')
    io.out(renderComparisonMarkdown(c, { name: names.head, baseLabel: names.base, commentKey: 'cli' }));
  else io.out(renderComparisonText(c, names));
  return code;
}

export async function compareCommand(argv: string[], io: Output): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      ...IMAGE_FLAGS,
      ...RULE_FLAGS,
    },
  });
  if (positionals.length !== 2)
    throw new UserError(
      `compare takes BASE and HEAD, got ${positionals.length} images (see docker-size-guard compare --help)`,
    );
  const format = parseFormat(values.format as string);
  const rules = parseRules(values as unknown as Record<string, string | undefined>, (n) => `--${n}`);
  const ignore = checkIgnorePaths(values['ignore-path'] as string[], '--ignore-path');
  const [base, head] = (
    await measureImages(positionals, {
      platform: values.platform ? parsePlatform(values.platform as string) : undefined,
      files: !values['no-files'],
      compressedEstimate: true,
    })
  ).map((r) => applyIgnore(r, ignore));
  for (const r of [base!, head!]) withFindings(r, { dockerfile: null });
  return emitComparison(compare(base!, head!, rules), format, { base: positionals[0]!, head: positionals[1]! }, io);
}
