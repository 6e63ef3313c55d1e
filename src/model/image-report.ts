/** The numbers this project reports. Definitions: docs/measuring.md "How sizes are measured". */

import type { ImageContents } from './contents.js';
import type { Finding } from './finding.js';
import type { PackageInventory } from './packages.js';

export type Compression = 'none' | 'gzip' | 'zstd';

export interface LayerReport {
  index: number;
  diffId: string;
  /** Digest of the stored / pushed blob, when the source has one (null for uncompressed local stores). */
  digest: string | null;
  /** History `created_by` mapped to this layer, build-arg values redacted; `<missing>` when history is short. */
  instruction: string;
  /** Length of the uncompressed layer tar (the bytes hashed into diffId). Null when only metadata was read. */
  uncompressedBytes: number | null;
  /** Sum of regular-file sizes in the layer tar (dive's layer size). Null when only metadata was read. */
  contentBytes: number | null;
  /** Size of the compressed blob as stored or pushed; an estimate when `compressedIsEstimate`. Null if unknown. */
  compressedBytes: number | null;
  compressedIsEstimate: boolean;
  /** Number of tar entries in the layer. Null when only metadata was read. */
  files: number | null;
  /**
   * The Dockerfile instruction that made this layer, for an image built here (or measured with `--dockerfile`);
   * null where it could not be told, absent where there was no Dockerfile.
   */
  dockerfile?: DockerfileLine | null;
}

/**
 * Where a layer came from in the Dockerfile: its file (relative to the repository root), the instruction's lines
 * (1-based, inclusive), and how that was found: `provenance` (BuildKit's source map of the build names the step
 * that made the layer and where it was written: exact), `history` (the image's history names that instruction, as
 * written), `order` (the same kind of instruction in the same place, its text not comparable: a heredoc, ARG
 * substitution), `from` (a layer of the base image, on the final stage's FROM line).
 */
export interface DockerfileLine {
  file: string;
  startLine: number;
  endLine: number;
  found: 'provenance' | 'history' | 'order' | 'from';
}

export interface WasteFile {
  path: string;
  count: number;
  wastedBytes: number;
}

/** dive's CI numbers, computed the way dive computes them (quirks included). */
export interface WasteReport {
  efficiency: number;
  wastedBytes: number;
  /** wastedBytes / sum of contentBytes of layers 1..n; null where dive would divide by zero. */
  userWastedPercent: number | null;
  /** Inefficient paths, largest first (at most WASTE_FILES_LIMIT); `fileCount` is the full count. */
  files: WasteFile[];
  fileCount: number;
}

export interface ImageReport {
  reference: string;
  /**
   * Transport and, for a daemon, its image store; for an image this tool built, the buildx builder and its
   * driver (the compressed sizes are exact from a builder that is not the `docker` driver): how the numbers
   * were obtained.
   */
  source: { transport: string; store?: 'classic' | 'containerd'; builder?: { name: string; driver: string } };
  platform: string;
  configDigest: string;
  user: string;
  created: string | null;
  layerCount: number;
  uncompressedBytes: number | null;
  contentBytes: number | null;
  compressedBytes: number | null;
  compressedIsEstimate: boolean;
  layers: LayerReport[];
  waste: WasteReport | null;
  /** How to shrink it, largest saving first (docs/measuring.md "How to shrink"); absent when the files were not read. */
  findings?: Finding[];
  /**
   * The `ignore-paths` globs and what of the final filesystem matched them (files, bytes): left out of the waste
   * numbers and of "Where the bytes are". Absent when nothing is ignored.
   */
  ignored?: { patterns: string[]; files: number; bytes: number };
  /** Packages on the final filesystem, per ecosystem (docs/measuring.md "Packages"); absent when the files were not read. */
  packages?: PackageInventory;
  /** The layers' entries, when every layer's tar headers were read; never serialized. */
  contents?: ImageContents;
}

export const WASTE_FILES_LIMIT = 200;
