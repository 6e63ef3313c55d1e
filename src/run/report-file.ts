import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { UserError } from '../errors.js';
import type { RunReport } from '../model/run.js';
import { RunReportSchema } from './report-schema.js';

/** Report files are small; anything larger is not one of ours. */
const MAX_REPORT_BYTES = 20 * 1024 * 1024;

export function reportFileName(key: string): string {
  return `docker-size-guard-${key.replace(/[^A-Za-z0-9_.-]/g, '_')}.json`;
}

export async function writeReport(dir: string, report: RunReport): Promise<string> {
  const path = join(dir, reportFileName(report.key));
  await writeFile(path, JSON.stringify(report, null, 2));
  return path;
}

/** Parses and checks one report; errors name the file and the first field that is wrong. */
export function parseReport(text: string, what: string): RunReport {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new UserError(`Invalid report ${what}: not JSON`);
  }
  const r = RunReportSchema.safeParse(data);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    throw new UserError(`Invalid report ${what}: ${issue.path.join('.') || '(top)'}: ${issue.message}`);
  }
  return r.data as RunReport;
}

async function jsonFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await jsonFiles(p)));
    else if (e.isFile() && e.name.endsWith('.json')) out.push(p);
  }
  return out;
}

/**
 * Every report under a directory (download-artifact puts each artifact in its own folder), in a stable order.
 * `input` names the input for errors.
 */
export async function readReports(dir: string, input: string): Promise<RunReport[]> {
  const s = await stat(dir).catch(() => null);
  if (!s?.isDirectory()) throw new UserError(`Invalid input '${input}': ${dir} is not a directory`);
  const files = (await jsonFiles(dir)).sort();
  if (files.length === 0) throw new UserError(`Invalid input '${input}': no .json report under ${dir}`);
  const reports: RunReport[] = [];
  for (const f of files) {
    const what = relative(dir, f) || f;
    if ((await stat(f)).size > MAX_REPORT_BYTES) throw new UserError(`Invalid report ${what}: larger than 20 MB`);
    reports.push(parseReport(await readFile(f, 'utf8'), what));
  }
  return reports;
}
