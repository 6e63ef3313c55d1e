import picomatch from 'picomatch';
import { UserError } from '../errors.js';
import type { ImageReport } from '../model/image-report.js';
import { stackContents } from './filesystem.js';
import { computeWaste } from './waste.js';

/**
 * `ignore-paths` globs (picomatch, dotfiles included) against image paths; a leading `/` is optional on both
 * sides, so `/var/cache/**` and `var/cache/**` mean the same.
 */
export function pathMatcher(patterns: readonly string[]): ((path: string) => boolean) | null {
  if (patterns.length === 0) return null;
  const match = picomatch(
    patterns.map((p) => p.replace(/^\/+/, '')),
    { dot: true },
  );
  return (path) => match(path.replace(/^\/+/, ''));
}

/** At most 50 globs of at most 200 characters: they come from a PR's config, and each is compiled to a regex. */
export function checkIgnorePaths(patterns: readonly string[], describe: string): string[] {
  if (patterns.length > 50) throw new UserError(`Invalid ${describe}: at most 50 globs, got ${patterns.length}`);
  for (const p of patterns) {
    // eslint-disable-next-line no-control-regex
    if (p.length > 200 || /[\u0000-\u001f]/.test(p))
      throw new UserError(`Invalid ${describe}: '${p.slice(0, 60)}' is not a glob (at most 200 printable characters)`);
    try {
      picomatch.makeRe(p.replace(/^\/+/, ''), { dot: true });
    } catch {
      throw new UserError(`Invalid ${describe}: '${p.slice(0, 60)}' is not a glob`);
    }
  }
  return [...patterns];
}

/**
 * Leaves the paths the user ignores out of the waste numbers (dive's CI rules) and says what was left out: the
 * files and bytes of the final filesystem that match. The layers, totals and packages are measured as they are.
 */
export function applyIgnore(report: ImageReport, patterns: readonly string[]): ImageReport {
  const match = pathMatcher(patterns);
  if (!match || !report.contents) return report;
  let files = 0;
  let bytes = 0;
  for (const [path, f] of stackContents(report.contents).final) {
    if (!match(path)) continue;
    files += 1;
    bytes += f.size;
  }
  const layers = report.contents.layers.map((entries) => entries.filter((e) => !match(e.path)));
  const waste = report.waste
    ? computeWaste(
        layers,
        layers.map((entries) => entries.contentBytes()),
      )
    : null;
  return { ...report, waste, ignored: { patterns: [...patterns], files, bytes } };
}
