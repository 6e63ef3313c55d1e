/** Package inventories read from an image's final filesystem (docs/measuring.md "Packages"). */

export const ECOSYSTEMS = ['deb', 'apk', 'python', 'node'] as const;
export type Ecosystem = (typeof ECOSYSTEMS)[number];

/** Ecosystems this tool knows of but does not read yet; named in `notRead` when their database is present. */
export const UNREAD_ECOSYSTEMS = ['rpm'] as const;

export interface Package {
  name: string;
  version: string;
  /** dpkg/apk architecture; absent elsewhere. */
  arch?: string;
  /** dpkg's source package, when it differs from the name. */
  source?: string;
  /**
   * Where it is installed, for ecosystems where one name can be installed twice: the site-packages directory
   * (python) or the package's own directory (node). Absent for dpkg and apk.
   */
  location?: string;
  /** Sum of the sizes, on the final filesystem, of the regular files it owns (exact, from the tar headers). */
  bytes: number;
  files: number;
  /** What the package database declares (dpkg Installed-Size × 1024, apk `I:`); null where there is none. */
  declaredBytes: number | null;
  /** The layer that last wrote the package's own record (its .list, RECORD, package.json): where it was installed. */
  layer: number | null;
}

export interface EcosystemInventory {
  ecosystem: Ecosystem;
  /** Largest first. */
  packages: Package[];
  /** Bytes and files of the final filesystem no package of this ecosystem owns: packages + this = `finalBytes`. */
  unowned: { bytes: number; files: number };
  /** What was skipped while reading, one line each (malformed records, paths outside the root, …). */
  notes: string[];
}

export interface PackageInventory {
  /** Regular-file bytes of the final filesystem (whiteouts applied): what every ecosystem's lines add up to. */
  finalBytes: number;
  ecosystems: EcosystemInventory[];
  /** Ecosystems whose database is in the image but was not read, and why (too large, unreadable, not supported). */
  notRead: { ecosystem: string; reason: string }[];
}

/** The identity of a package across two images: name and, where one name can be installed twice, location. */
export function packageKey(p: Pick<Package, 'name' | 'arch' | 'location'>, ecosystem: Ecosystem): string {
  if (ecosystem === 'deb') return p.arch && p.arch !== 'all' ? `${p.name}:${p.arch}` : p.name;
  return p.location ? `${p.name}@${p.location}` : p.name;
}
