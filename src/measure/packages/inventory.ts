import type { ImageContents } from '../../model/contents.js';
import {
  packageKey,
  type Ecosystem,
  type EcosystemInventory,
  type Package,
  type PackageInventory,
} from '../../model/packages.js';
import { paths } from '../../model/path-trie.js';
import { stackContents } from '../filesystem.js';
import { readApk } from './apk.js';
import { readDeb } from './deb.js';
import { readNode } from './node.js';
import { FinalPaths } from './paths.js';
import { readPython } from './python.js';
import { plural, type FinalCapture, type FoundPackage, type ReaderInput, type ReadResult } from './reader.js';

const READERS = [readDeb, readApk, readPython, readNode];

/** Databases of ecosystems not read yet: named in the report so that their absence is not taken for no packages. */
const UNREAD: { ecosystem: string; paths: string[] }[] = [
  {
    ecosystem: 'rpm',
    paths: ['/var/lib/rpm/Packages', '/var/lib/rpm/rpmdb.sqlite', '/usr/lib/sysimage/rpm/rpmdb.sqlite'],
  },
];

/**
 * Which package (an index into `packages`) owns each final path, by the path's node: 4 bytes a path, where a map
 * of path strings kept every owned path's string for as long as the report lives.
 */
class PathOwners {
  private readonly byNode = new Int32Array(paths.size);
  size = 0;

  /** Gives the path at node `n` to package `i` unless another has it; false when one had. */
  claim(n: number, i: number): boolean {
    if (n < 0 || n >= this.byNode.length || this.byNode[n] !== 0) return false;
    this.byNode[n] = i + 1;
    this.size += 1;
    return true;
  }

  /** The owner of the path at a node of the path tree. */
  at(node: number): number | undefined {
    const i = node < 0 || node >= this.byNode.length ? 0 : this.byNode[node]!;
    return i === 0 ? undefined : i - 1;
  }
}

/** Which package of an ecosystem owns a final-filesystem path: for the advice, which names packages. */
export interface Owners {
  packages: readonly Package[];
  owner: { at(node: number): number | undefined };
}

export interface ImagePackages {
  inventory: PackageInventory;
  owners: ReadonlyMap<Ecosystem, Owners>;
}

/** The captured files that are still on the final filesystem, each as the layer that last wrote it left it. */
function finalCaptures(
  contents: ImageContents,
  final: ReadonlyMap<string, { layer: number }>,
): Map<string, FinalCapture> {
  const out = new Map<string, FinalCapture>();
  contents.captured.forEach((files, layer) => {
    for (const f of files)
      if (final.get(f.path)?.layer === layer) out.set(f.path, { body: f.body, size: f.size, layer });
  });
  return out;
}

/**
 * Gives each final path to the first package (in key order) that names it, so every byte counts once per
 * ecosystem and the packages plus the unowned line add up to the final filesystem exactly.
 */
function tally(
  ecosystem: Ecosystem,
  found: FoundPackage[],
  notes: string[],
  paths: FinalPaths,
  finalBytes: number,
): { inventory: EcosystemInventory; owners: Owners } {
  const sorted = [...found].sort((a, b) => {
    const ka = packageKey(a, ecosystem);
    const kb = packageKey(b, ecosystem);
    return ka < kb ? -1 : ka > kb ? 1 : 0;
  });
  const owner = new PathOwners();
  let ownedBytes = 0;
  const packages: Package[] = sorted.map((p, i) => {
    let bytes = 0;
    let files = 0;
    for (const named of p.files) {
      const node = paths.resolveNode(named);
      if (!owner.claim(node, i)) continue;
      bytes += paths.final.sizeAt(node);
      files += 1;
    }
    ownedBytes += bytes;
    return {
      name: p.name,
      version: p.version,
      ...(p.arch !== undefined ? { arch: p.arch } : {}),
      ...(p.source !== undefined ? { source: p.source } : {}),
      ...(p.location !== undefined ? { location: p.location } : {}),
      bytes,
      files,
      declaredBytes: p.declaredBytes,
      layer: p.layer,
    };
  });
  const byIndex = [...packages];
  packages.sort((a, b) => b.bytes - a.bytes || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return {
    inventory: {
      ecosystem,
      packages,
      unowned: { bytes: finalBytes - ownedBytes, files: paths.final.size - owner.size },
      notes,
    },
    owners: { packages: byIndex, owner },
  };
}

function readAll(contents: ImageContents): ImagePackages {
  const { final } = stackContents(contents);
  let finalBytes = 0;
  for (const f of final.values()) finalBytes += f.size;
  const input: ReaderInput = { paths: new FinalPaths(final), captured: finalCaptures(contents, final) };
  const ecosystems: EcosystemInventory[] = [];
  const notRead: PackageInventory['notRead'] = [];
  const owners = new Map<Ecosystem, Owners>();
  for (const read of READERS) {
    const outsideBefore = input.paths.outside;
    const r: ReadResult | null = read(input);
    if (!r) continue;
    if ('notRead' in r) {
      notRead.push({ ecosystem: r.ecosystem, reason: r.notRead });
      continue;
    }
    const t = tally(r.ecosystem, r.packages, r.notes, input.paths, finalBytes);
    const outside = input.paths.outside - outsideBefore;
    if (outside > 0) t.inventory.notes.push(`${plural(outside, 'path')} outside the image's root ignored`);
    ecosystems.push(t.inventory);
    owners.set(r.ecosystem, t.owners);
  }
  for (const u of UNREAD) {
    const hit = u.paths.find((p) => final.has(p));
    if (hit) notRead.push({ ecosystem: u.ecosystem, reason: `${hit} found; this ecosystem is not read yet` });
  }
  return { inventory: { finalBytes, ecosystems, notRead }, owners };
}

const byContents = new WeakMap<ImageContents, ImagePackages>();

/** An image's packages, read once from its contents whoever asks first (the report, the advice). */
export function imagePackages(contents: ImageContents): ImagePackages {
  let p = byContents.get(contents);
  if (!p) {
    p = readAll(contents);
    byContents.set(contents, p);
  }
  return p;
}
