import { z } from 'zod';
import { HISTORY_FORMAT, type HistoryRecord } from '../model/history.js';

/** A history file is read from a branch anyone with push access can write: every line is checked. */
export const RecordSchema = z
  .object({
    v: z.literal(HISTORY_FORMAT),
    image: z.string().min(1).max(200),
    platform: z.string().min(1).max(100),
    commit: z.string().regex(/^[0-9a-f]{40}$/),
    date: z.iso.datetime({ offset: true }),
    uncompressed: z.number().int().nonnegative(),
    compressed: z.number().int().nonnegative().nullable(),
    compressedIsEstimate: z.boolean(),
    layers: z.number().int().nonnegative(),
    efficiency: z.number().min(0).max(1).nullable(),
  })
  .strict();

/** Lines kept per file: a record per push for years, and a bound on what a crafted file costs. */
export const MAX_RECORDS = 20_000;

/**
 * The history file of an image: every byte outside `A-Z a-z 0-9 _ . -` (and a leading `.`) percent-encoded, so
 * two image names never share a file (`svc/api` is `svc%2Fapi`, `svc_api` stays itself) and the name is safe in
 * a git tree. Names of those characters alone keep the file they always had.
 */
export function historyFile(image: string): string {
  const safe = [...new TextEncoder().encode(image)]
    .map((b, i) => {
      const c = String.fromCharCode(b);
      return /[A-Za-z0-9_-]/.test(c) || (c === '.' && i > 0) ? c : `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
    })
    .join('');
  return `images/${safe}.jsonl`;
}

/** Where format 1 put an image's records (names could collide there: its records are told apart by `image`). */
export function legacyHistoryFile(image: string): string {
  return `images/${image.replace(/[^A-Za-z0-9_.-]/g, '_').replace(/^\.+/, '_')}.jsonl`;
}

/** Malformed lines noted by number; past this many, the file is not read further (a crafted file costs little). */
export const MAX_MALFORMED = 1000;
const NOTED = 20;

export interface ParsedHistory {
  records: HistoryRecord[];
  /** The first line numbers of lines that are not records (at most 20). */
  malformed: number[];
  /** Every malformed line seen; reading stops after MAX_MALFORMED of them. */
  malformedCount: number;
}

/**
 * Parses a JSON-lines history: well-formed records in file order, and the lines that are not (counted, the first
 * ones noted by number, skipped, never fatal). Lines are taken one at a time from the text, and at most
 * MAX_RECORDS records and MAX_MALFORMED bad lines are read.
 */
export function parseHistory(text: string): ParsedHistory {
  const records: HistoryRecord[] = [];
  const malformed: number[] = [];
  let malformedCount = 0;
  const bad = (n: number) => {
    malformedCount += 1;
    if (malformed.length < NOTED) malformed.push(n);
  };
  for (let at = 0, n = 1; at < text.length && records.length < MAX_RECORDS && malformedCount < MAX_MALFORMED; n++) {
    const end = text.indexOf('\n', at);
    const line = text.slice(at, end < 0 ? text.length : end).trim();
    at = end < 0 ? text.length : end + 1;
    if (line === '') continue;
    let data: unknown;
    try {
      data = JSON.parse(line);
    } catch {
      bad(n);
      continue;
    }
    const r = RecordSchema.safeParse(data);
    if (r.success) records.push(r.data as HistoryRecord);
    else bad(n);
  }
  return { records, malformed, malformedCount };
}

/** The identity of a record: one measurement per image, commit and platform. */
const keyOf = (r: HistoryRecord) => `${r.image}|${r.commit}|${r.platform}`;

/**
 * Merges versions of a history (ours and what another push wrote meanwhile, or several images' files) by image,
 * commit and platform: nothing lost, nothing doubled (the first seen wins), ordered by date.
 */
export function mergeRecords(...lists: HistoryRecord[][]): HistoryRecord[] {
  const byKey = new Map<string, HistoryRecord>();
  for (const list of lists) for (const r of list) if (!byKey.has(keyOf(r))) byKey.set(keyOf(r), r);
  // A stable sort by date: commits of the same second keep the order they were recorded in.
  return [...byKey.values()].sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));
}

export function serializeHistory(records: HistoryRecord[]): string {
  return records.map((r) => JSON.stringify(r)).join('\n') + (records.length ? '\n' : '');
}
