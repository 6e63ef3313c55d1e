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

/** The history file of an image: a name safe on any filesystem and in a git tree. */
export function historyFile(image: string): string {
  return `images/${image.replace(/[^A-Za-z0-9_.-]/g, '_').replace(/^\.+/, '_')}.jsonl`;
}

/**
 * Parses a JSON-lines history: well-formed records in file order, and the numbers of the lines that are not
 * (reported, skipped, never fatal).
 */
export function parseHistory(text: string): { records: HistoryRecord[]; malformed: number[] } {
  const records: HistoryRecord[] = [];
  const malformed: number[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length && records.length < MAX_RECORDS; i++) {
    const line = lines[i]!.trim();
    if (line === '') continue;
    let data: unknown;
    try {
      data = JSON.parse(line);
    } catch {
      malformed.push(i + 1);
      continue;
    }
    const r = RecordSchema.safeParse(data);
    if (r.success) records.push(r.data as HistoryRecord);
    else malformed.push(i + 1);
  }
  return { records, malformed };
}

/** The identity of a record: one measurement per commit and platform. */
const keyOf = (r: HistoryRecord) => `${r.commit}|${r.platform}`;

/**
 * Merges two versions of a history (ours and what another push wrote meanwhile) by commit and platform: nothing
 * lost, nothing doubled (the first seen wins), ordered by date.
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
