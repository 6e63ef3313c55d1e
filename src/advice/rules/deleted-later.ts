import { ancestorsOrSelf } from '../../compare/filesystem.js';
import type { Finding } from '../../model/finding.js';
import { clip } from '../../report/format.js';
import { MIN_FINDING_BYTES, summarize, type Rule } from '../context.js';

/** Package databases every install rewrites: one copy per install layer is the price of separate layers. */
const PACKAGE_STATE =
  /^\/(var\/lib\/dpkg|var\/cache\/debconf|var\/lib\/apk|var\/lib\/rpm|var\/log)\/|^\/etc\/ld\.so\.cache$/;

/**
 * Files a layer writes that a later layer deletes (whiteout, opaque directory) or writes again: the image still
 * carries the first copy. Reported per pair of layers, with the bytes the first one wastes.
 */
export const deletedLater: Rule = (facts) => {
  const live = new Map<string, { size: number; layer: number }>();
  const pairs = new Map<
    string,
    { from: number; to: number; how: Set<string>; files: { path: string; bytes: number; layer: number }[] }
  >();
  const record = (path: string, f: { size: number; layer: number }, to: number, how: string) => {
    if (f.size === 0 || f.layer === to || PACKAGE_STATE.test(path)) return;
    const key = `${f.layer}>${to}`;
    const p = pairs.get(key) ?? { from: f.layer, to, how: new Set<string>(), files: [] };
    p.how.add(how);
    p.files.push({ path, bytes: f.size, layer: f.layer });
    pairs.set(key, p);
  };
  facts.layers.forEach((entries, layer) => {
    const gone = new Set(entries.filter((e) => e.kind === 'whiteout').map((e) => e.path));
    const emptied = new Set(entries.filter((e) => e.kind === 'opaque').map((e) => e.path));
    if (gone.size > 0 || emptied.size > 0) {
      for (const [path, f] of [...live]) {
        const chain = ancestorsOrSelf(path);
        if (!chain.some((a) => gone.has(a)) && !chain.slice(1).some((a) => emptied.has(a)) && !emptied.has('/'))
          continue;
        record(path, f, layer, 'deletes');
        live.delete(path);
      }
    }
    for (const e of entries) {
      if (e.kind === 'dir' || e.kind === 'whiteout' || e.kind === 'opaque') continue;
      const before = live.get(e.path);
      if (before && before.layer !== layer) record(e.path, before, layer, 'overwrites');
      live.set(e.path, { size: e.size, layer });
    }
  });
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
