import { z } from 'zod';
import { MAX_PACKAGES } from '../measure/packages/reader.js';
import { ECOSYSTEMS } from '../model/packages.js';

/**
 * The shape of one image's measurement as JSON, checked before anything from it is used: a report another job
 * wrote (mode: comment) and a measurement stored in the repository (history/measurement.ts) are both read from
 * places a pull request or anyone with push access can write. Strings are escaped when rendered; a string where a
 * number belongs would not be.
 */
export const num = z.number().finite();
export const bytes = num.nullable();
export const str = z.string().max(10_000);

const LayerReport = z.object({
  index: num,
  diffId: str,
  digest: str.nullable(),
  instruction: str,
  uncompressedBytes: bytes,
  contentBytes: bytes,
  compressedBytes: bytes,
  compressedIsEstimate: z.boolean(),
  files: bytes,
  dockerfile: z
    .object({ file: str, startLine: num, endLine: num, found: z.enum(['provenance', 'history', 'order', 'from']) })
    .nullable()
    .optional(),
});

const Waste = z.object({
  efficiency: num,
  wastedBytes: num,
  userWastedPercent: num.nullable(),
  files: z.array(z.object({ path: str, count: num, wastedBytes: num })).max(1000),
  fileCount: num,
});

export const FindingSchema = z.object({
  rule: z.enum(['package-cache', 'deleted-later', 'toolchain', 'dev-files', 'single-stage', 'full-base', 'root-user']),
  key: str,
  layer: num.nullable(),
  instruction: str.nullable(),
  bytes: num,
  estimate: z.boolean(),
  message: str,
  fix: str,
  paths: z.array(str).max(20),
});

const Package = z.object({
  name: str,
  version: str,
  arch: str.optional(),
  source: str.optional(),
  location: str.optional(),
  bytes: num,
  files: num,
  declaredBytes: num.nullable(),
  layer: num.nullable(),
});

const Packages = z.object({
  finalBytes: num,
  ecosystems: z
    .array(
      z.object({
        ecosystem: z.enum(ECOSYSTEMS),
        packages: z.array(Package).max(MAX_PACKAGES),
        unowned: z.object({ bytes: num, files: num }),
        notes: z.array(str).max(50),
      }),
    )
    .max(ECOSYSTEMS.length),
  notRead: z.array(z.object({ ecosystem: str, reason: str })).max(20),
});

export const ImageReportSchema = z.object({
  reference: str,
  source: z.object({
    transport: str,
    store: z.enum(['classic', 'containerd']).optional(),
    builder: z.object({ name: str, driver: str }).optional(),
  }),
  platform: str,
  configDigest: str,
  user: str,
  created: str.nullable(),
  layerCount: num,
  uncompressedBytes: bytes,
  contentBytes: bytes,
  compressedBytes: bytes,
  compressedIsEstimate: z.boolean(),
  layers: z.array(LayerReport).max(1000),
  waste: Waste.nullable(),
  findings: z.array(FindingSchema).max(200).optional(),
  packages: Packages.optional(),
  ignored: z.object({ patterns: z.array(str).max(50), files: num, bytes: num }).optional(),
});
