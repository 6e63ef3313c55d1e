import type { Finding } from '../model/finding.js';

/** The findings a PR brings: new in head, or grown by more than 1 % against the same finding in base. */
export function newOrGrown(base: Finding[] | null, head: Finding[]): Finding[] {
  if (!base) return head;
  const before = new Map(base.map((f) => [f.key, f]));
  return head.filter((f) => {
    const b = before.get(f.key);
    return !b || f.bytes > b.bytes * 1.01;
  });
}
