import { z } from 'zod';
import { REPORT_VERSION } from '../model/run.js';
import { RecordSchema } from '../history/records.js';
import {
  FindingSchema as Finding,
  ImageReportSchema as ImageReport,
  bytes,
  num,
  str,
} from '../history/image-schema.js';
import { TREND_POINTS } from '../model/history.js';
import { FIX_KINDS } from '../model/suggestion.js';

/**
 * The shape of a JSON report, checked before anything from it is rendered: `mode: comment` reads reports that a
 * fork's workflow produced, so every field the renderers touch must have the type they expect (strings are
 * escaped when rendered; a string where a number belongs would not be).
 */
const Totals = z.object({ base: bytes, head: num, delta: bytes, percent: num.nullable() });
const Side = z.object({ uncompressedBytes: bytes, compressedBytes: bytes }).nullable();
const PathLine = z.object({ path: str, dir: z.boolean(), files: num, bytes: num, layer: num, instruction: str });
const PathLines = z.object({
  lines: z.array(PathLine).max(100),
  files: num,
  bytes: num,
  rest: z.object({ files: num, bytes: num }),
});
const LayerStatus = z.enum(['shared', 'moved', 'changed', 'new', 'removed']);

const Rules = z.object({
  metric: z.enum(['compressed', 'uncompressed']),
  // Reports of before `judge` judged the whole image.
  judge: z.enum(['all', 'own-layers']).default('all'),
  maxSize: bytes,
  maxIncrease: bytes,
  maxIncreasePercent: bytes,
  warnIncrease: bytes,
  warnIncreasePercent: bytes,
  maxLayerSize: bytes,
  maxLayers: bytes,
  minEfficiency: bytes,
  maxWastedBytes: bytes,
  maxWastedPercent: bytes,
  minChange: bytes,
  minChangePercent: bytes,
});

const Comparison = z.object({
  base: ImageReport.nullable(),
  head: ImageReport,
  baseMissingReason: str.nullable(),
  rules: Rules,
  uncompressed: Totals,
  compressed: Totals,
  compressedIsEstimate: z.boolean(),
  layers: z.object({ base: bytes, head: num }),
  newToPull: bytes,
  split: z.object({ baseImage: Totals, own: Totals }).nullable().optional(),
  layerRows: z
    .array(
      z.object({
        headIndex: bytes,
        baseIndex: bytes,
        instruction: str,
        status: LayerStatus,
        base: Side,
        head: Side,
        delta: num,
      }),
    )
    .max(2000),
  files: z
    .object({
      added: PathLines,
      removed: PathLines,
      layers: z.array(PathLines.extend({ headIndex: num, status: LayerStatus, instruction: str })).max(50),
    })
    .nullable(),
  newFindings: z.array(Finding).max(200).nullable(),
  violations: z.array(z.object({ rule: str, level: z.enum(['fail', 'warn']), message: str })).max(100),
  verdict: z.enum(['pass', 'warn', 'fail']),
  approved: z.boolean(),
});

export const RunReportSchema = z.object({
  tool: z.literal('docker-size-guard'),
  version: z.literal(REPORT_VERSION, {
    error: `this report's version is not ${REPORT_VERSION}: the jobs that wrote and read it run different releases of docker-size-guard`,
  }),
  key: str,
  pr: num.int().positive().nullable(),
  headSha: z
    .string()
    .regex(/^[0-9a-f]{40}$/)
    .nullable(),
  entries: z
    .array(
      z.object({
        name: str,
        platform: str,
        baseLabel: str,
        baseSource: z.enum(['built', 'image', 'stored', 'none']),
        baseOrigin: z
          .union([
            z.object({
              from: z.literal('stored'),
              commit: z.string().regex(/^[0-9a-f]{40}$/),
              date: str,
              unchangedTo: z
                .string()
                .regex(/^[0-9a-f]{40}$/)
                .optional(),
            }),
            z.object({ from: z.literal('built'), commit: z.string().regex(/^[0-9a-f]{40}$/), why: str }),
          ])
          .optional(),
        comparison: Comparison,
        policy: z
          .object({
            rulesFrom: z.object({ commit: z.string().regex(/^[0-9a-f]{40}$/), file: str }).nullable(),
            newInConfig: z.boolean(),
            proposed: z
              .array(
                z.object({
                  rule: str,
                  unit: z.enum(['bytes', 'percent', 'count', 'text']),
                  judged: z.union([num, str]).nullable(),
                  proposed: z.union([num, str]).nullable(),
                }),
              )
              .max(20),
            buildChanges: z.array(z.object({ field: str, base: str.nullable(), head: str.nullable() })).max(100),
          })
          .optional(),
        // What another job says it rebuilt and measured: its numbers, and which fix on which lines. Its text
        // (lines, summary, diff) is never used; the fix is written again from the PR's file (rederive-suggestions).
        suggestions: z
          .array(
            z.object({
              kinds: z.array(z.enum(FIX_KINDS)).min(1).max(FIX_KINDS.length),
              findingKeys: z.array(str).min(1).max(20),
              file: z.string().min(1).max(500),
              startLine: z.number().int().min(1).max(100_000),
              endLine: z.number().int().min(1).max(100_000),
              savedBytes: num.positive(),
              imageBytes: z.object({ before: num.nonnegative(), after: num.nonnegative() }),
              buildSeconds: num.nonnegative(),
              inDiff: z.boolean(),
            }),
          )
          .max(50)
          .optional(),
        trend: z
          .object({
            image: str,
            platform: str,
            records: z.array(RecordSchema).max(TREND_POINTS),
            pr: z.object({ label: str, uncompressed: num }).nullable(),
          })
          .optional(),
      }),
    )
    .max(200),
  unchanged: z
    .array(
      z.object({
        name: str,
        last: z.object({ uncompressed: num, commit: z.string().regex(/^[0-9a-f]{40}$/) }).nullable(),
        reason: str.optional(),
      }),
    )
    .max(200)
    .optional(),
});
