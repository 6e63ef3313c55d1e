import type { Finding } from '../../model/finding.js';
import { paths } from '../../model/path-trie.js';
import { clip } from '../../util/format.js';
import { MIN_FINDING_BYTES, summarize, type Rule } from '../context.js';

/** Package databases every install rewrites: one copy per install layer is the price of separate layers. */
const PACKAGE_STATE_DIRS = /^\/(var\/lib\/dpkg|var\/cache\/debconf|var\/lib\/apk|var\/lib\/rpm|var\/log)\//;
const PACKAGE_STATE_FILES = new Set(['/etc/ld.so.cache']);

/** Whether a path is package state, its directory tested once for all the files in it. */
function packageState(): (node: number) => boolean {
  const dirs = new Map<number, boolean>();
  return (node) => {
    const dir = paths.parent(node);
    let inState = dirs.get(dir);
    if (inState === undefined) dirs.set(dir, (inState = PACKAGE_STATE_DIRS.test(`${paths.path(dir)}/`)));
    return inState || (paths.name(node) === 'ld.so.cache' && PACKAGE_STATE_FILES.has(paths.path(node)));
  };
}

/**
 * Files a layer writes that a later layer deletes (whiteout, opaque directory) or writes again: the image still
 * carries the first copy. Reported per pair of layers, with the bytes the first one wastes.
 */
export const deletedLater: Rule = (facts) => {
  const { replaced } = facts;
  // A replaced file is an index into the replaced list: a million of them cost their numbers, not an object each.
  const pairs = new Map<number, { from: number; to: number; how: Set<string>; files: number[] }>();
  const isState = packageState();
  for (let i = 0; i < replaced.length; i++) {
    if (isState(replaced.node(i))) continue;
    const key = replaced.layer(i) * 2 ** 24 + replaced.by(i);
    let p = pairs.get(key);
    if (!p) pairs.set(key, (p = { from: replaced.layer(i), to: replaced.by(i), how: new Set<string>(), files: [] }));
    p.how.add(replaced.how(i));
    p.files.push(i);
  }
  const findings: Finding[] = [];
  for (const p of pairs.values()) {
    const s = summarize(
      (function* () {
        for (const i of p.files) yield { node: replaced.node(i), bytes: replaced.size(i), layer: replaced.layer(i) };
      })(),
      MIN_FINDING_BYTES,
    );
    if (s.bytes < MIN_FINDING_BYTES) continue;
    const how = [...p.how].join(' or ');
    findings.push({
      rule: 'deleted-later',
      key: `deleted-later:${facts.instruction(p.from)}>${facts.instruction(p.to)}`,
      layer: p.from,
      instruction: facts.instruction(p.from),
      bytes: s.bytes,
      estimate: false,
      message: `layer ${p.from} writes files that layer ${p.to} (${clip(facts.instruction(p.to) ?? '', 60)}) ${how}: the image still carries them`,
      fix: 'create and remove them in the same `RUN`, or do the work in a build stage and `COPY --from` the result',
      paths: s.paths,
    });
  }
  return findings;
};
