import type { EcosystemChange, PackageChange, PackageChangeKind, PackagesChange } from '../model/comparison.js';
import type { ImageReport } from '../model/image-report.js';
import { ECOSYSTEMS, packageKey, type EcosystemInventory, type Package } from '../model/packages.js';
import { compareVersions } from './versions.js';

function kindOf(
  ecosystem: EcosystemInventory['ecosystem'],
  b: Package | undefined,
  h: Package | undefined,
): PackageChangeKind | null {
  if (!b) return 'added';
  if (!h) return 'removed';
  if (b.version !== h.version) {
    const order = compareVersions(ecosystem, b.version, h.version);
    return order === null || order === 0 ? 'changed' : order < 0 ? 'upgraded' : 'downgraded';
  }
  if (h.bytes > b.bytes) return 'grown';
  if (h.bytes < b.bytes) return 'shrunk';
  return null;
}

/** A side without the ecosystem has no packages of it: all its files are unowned. */
function emptyInventory(ecosystem: EcosystemInventory['ecosystem'], finalBytes: number): EcosystemInventory {
  return { ecosystem, packages: [], unowned: { bytes: finalBytes, files: 0 }, notes: [] };
}

const NO_COUNTS: Record<PackageChangeKind, number> = {
  added: 0,
  removed: 0,
  upgraded: 0,
  downgraded: 0,
  changed: 0,
  grown: 0,
  shrunk: 0,
};

/**
 * Packages of base and head, per ecosystem found on either side: what was added, removed, upgraded or downgraded,
 * and what grew, each with its byte change. The changes and the unowned line add up to the final filesystem's
 * change exactly, since each side's packages and unowned line add up to that side's final bytes.
 */
export function packagesChange(base: ImageReport | null, head: ImageReport): PackagesChange | null {
  if (!base?.packages || !head.packages) return null;
  const hp = head.packages;
  const bp = base.packages;
  const instruction = (side: 'base' | 'head', layer: number | null) =>
    layer === null ? null : ((side === 'base' ? base : head).layers[layer]?.instruction ?? null);
  const ecosystems: EcosystemChange[] = [];
  for (const ecosystem of ECOSYSTEMS) {
    const hi = hp.ecosystems.find((e) => e.ecosystem === ecosystem);
    const bi = bp.ecosystems.find((e) => e.ecosystem === ecosystem);
    if (!hi && !bi) continue;
    const h = hi ?? emptyInventory(ecosystem, hp.finalBytes);
    const b = bi ?? emptyInventory(ecosystem, bp.finalBytes);
    const baseByKey = new Map(b.packages.map((p) => [packageKey(p, ecosystem), p]));
    const headByKey = new Map(h.packages.map((p) => [packageKey(p, ecosystem), p]));
    const changes: PackageChange[] = [];
    const counts = { ...NO_COUNTS };
    for (const key of new Set([...baseByKey.keys(), ...headByKey.keys()])) {
      const bpk = baseByKey.get(key);
      const hpk = headByKey.get(key);
      const kind = kindOf(ecosystem, bpk, hpk);
      if (!kind) continue;
      counts[kind] += 1;
      const side = hpk ? 'head' : 'base';
      // The head's package, or the base's for a removed one: its name, where it is, the layer that installed it.
      const { name, location, layer } = (hpk ?? bpk)!;
      changes.push({
        name,
        ...(location ? { location } : {}),
        kind,
        baseVersion: bpk?.version ?? null,
        headVersion: hpk?.version ?? null,
        baseBytes: bpk?.bytes ?? 0,
        headBytes: hpk?.bytes ?? 0,
        delta: (hpk?.bytes ?? 0) - (bpk?.bytes ?? 0),
        layer,
        instruction: instruction(side, layer),
        side,
      });
    }
    changes.sort((x, y) => Math.abs(y.delta) - Math.abs(x.delta) || (x.name < y.name ? -1 : x.name > y.name ? 1 : 0));
    ecosystems.push({
      ecosystem,
      changes,
      unowned: { base: b.unowned.bytes, head: h.unowned.bytes, delta: h.unowned.bytes - b.unowned.bytes },
      delta: hp.finalBytes - bp.finalBytes,
      counts,
      notes: [...b.notes.map((n) => `base: ${n}`), ...h.notes.map((n) => `PR: ${n}`)],
    });
  }
  const notRead = [
    ...bp.notRead.map((n) => ({ ...n, side: 'base' as const })),
    ...hp.notRead.map((n) => ({ ...n, side: 'head' as const })),
  ];
  return { ecosystems, notRead };
}
