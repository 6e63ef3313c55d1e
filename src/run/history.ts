import { commitDate, hasRemote, revParse } from '../git/git.js';
import { writesHistory, type RunEvent } from '../github/event.js';
import { recordOf, trendsFor } from '../history/trend.js';
import { appendHistory, readHistory, type HistoryLocation } from '../history/store.js';
import type { Entry, Unchanged } from '../model/run.js';

export interface HistoryStep {
  root: string;
  ref: string;
  mode: 'auto' | 'read' | 'off';
  event: RunEvent;
  log: { info: (m: string) => void; warning: (m: string) => void };
}

/**
 * The history around a run: on a pull request, each entry gets its trend (the base branch's last records and this
 * PR's point); on a push to the default branch or a manual run, the entries are recorded. Reading needs only
 * `contents: read`, so a fork's run shows the trend too; nothing is ever written from a pull request's run. A
 * history that cannot be read is a warning, never a failed check.
 */
export async function withHistory(
  step: HistoryStep,
  entries: Entry[],
  notBuilt: { name: string; reason: string }[] = [],
): Promise<{ entries: Entry[]; unchanged: Unchanged[] }> {
  const unchanged: Unchanged[] = notBuilt.map(({ name, reason }) => ({ name, last: null, reason }));
  const unchangedNames = notBuilt.map((u) => u.name);
  if (step.mode === 'off' || entries.length + unchanged.length === 0) return { entries, unchanged };
  if (!(await hasRemote(step.root, 'origin'))) {
    step.log.info('History: this checkout has no origin remote; no trend.');
    return { entries, unchanged };
  }
  const loc: HistoryLocation = { root: step.root, ref: step.ref, remote: 'origin' };
  if (step.event.pr) {
    try {
      const read = await readHistory(loc, [...new Set([...entries.map((e) => e.name), ...unchangedNames])]);
      if (read.malformedCount > 0)
        step.log.warning(
          `History: ${read.malformedCount} malformed line(s) in ${step.ref} skipped (${read.malformed.slice(0, 5).join(', ')})`,
        );
      const trends = trendsFor(read.records, entries);
      return {
        entries: entries.map((e, i) => ({ ...e, trend: trends[i]! })),
        unchanged: unchanged.map((u) => {
          const last = read.records.filter((r) => r.image === u.name).at(-1);
          return last ? { name: u.name, last: { uncompressed: last.uncompressed, commit: last.commit } } : u;
        }),
      };
    } catch (err) {
      step.log.warning(`History: not read (${(err as Error).message}); the comment has no trend.`);
      return { entries, unchanged };
    }
  }
  if (step.mode === 'auto' && writesHistory(step.event)) {
    const commit = await revParse(step.root, 'HEAD');
    const date = await commitDate(step.root, commit);
    const records = entries.map((e) => recordOf(e.name, e.comparison.head, commit, date));
    const r = await appendHistory(loc, records, `docker-size-guard: ${commit.slice(0, 12)}`);
    step.log.info(
      `History: ${records.length} record(s) for ${commit.slice(0, 12)} pushed to ${step.ref}${r.attempts > 1 ? ` (after ${r.attempts - 1} concurrent push(es))` : ''}.`,
    );
  }
  return { entries, unchanged };
}
