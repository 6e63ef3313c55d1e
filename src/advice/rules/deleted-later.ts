import type { Finding } from '../../model/finding.js';
import { clip } from '../../util/format.js';
import { MIN_FINDING_BYTES, summarize, type Rule } from '../context.js';

/** Package databases every install rewrites: one copy per install layer is the price of separate layers. */
const PACKAGE_STATE =
  /^\/(var\/lib\/dpkg|var\/cache\/debconf|var\/lib\/apk|var\/lib\/rpm|var\/log)\/|^\/etc\/ld\.so\.cache$/;

/**
 * Files a layer writes that a later layer deletes (whiteout, opaque directory) or writes again: the image still
 * carries the first copy. Reported per pair of layers, with the bytes the first one wastes.
 */
export const deletedLater: Rule = (facts) => {
  const pairs = new Map<
    string,
    { from: number; to: number; how: Set<string>; files: { path: string; bytes: number; layer: number }[] }
  >();
  for (const { path, file, by, how } of facts.replaced) {
    if (PACKAGE_STATE.test(path)) continue;
    const key = `${file.layer}>${by}`;
    const p = pairs.get(key) ?? { from: file.layer, to: by, how: new Set<string>(), files: [] };
    p.how.add(how);
    p.files.push({ path, bytes: file.size, layer: file.layer });
    pairs.set(key, p);
  }
  const findings: Finding[] = [];
  for (const p of pairs.values()) {
    const s = summarize(p.files);
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
