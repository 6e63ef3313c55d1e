import type { Ecosystem } from '../../model/packages.js';
import type { FinalPaths } from './paths.js';

/** A package-database file as the final filesystem has it: its body (null when over its limit) and its layer. */
export interface FinalCapture {
  body: Buffer | null;
  size: number;
  layer: number;
}

export interface ReaderInput {
  paths: FinalPaths;
  /** The captured files of the final filesystem, by path. */
  captured: ReadonlyMap<string, FinalCapture>;
}

/** A package as its database describes it, with the final-filesystem paths it names (not yet deduplicated). */
export interface FoundPackage {
  name: string;
  version: string;
  arch?: string;
  source?: string;
  location?: string;
  declaredBytes: number | null;
  layer: number | null;
  files: Iterable<string>;
}

export type ReadResult =
  { ecosystem: Ecosystem; packages: FoundPackage[]; notes: string[] } | { ecosystem: Ecosystem; notRead: string };

/** Most packages one ecosystem may list; a database claiming more is read up to here, with a note. */
export const MAX_PACKAGES = 50_000;

/** The lines of a text file, LF or CRLF. */
export function lines(text: string): string[] {
  return text.split(/\r?\n/);
}

/** The lines of a text file, LF or CRLF, one at a time (a large file list is not split all at once). */
export function* eachLine(text: string): Generator<string> {
  for (let at = 0; at <= text.length;) {
    let end = text.indexOf('\n', at);
    if (end < 0) end = text.length;
    yield text.slice(at, end > at && text.charCodeAt(end - 1) === 13 ? end - 1 : end);
    at = end + 1;
  }
}

/** A file list read when it is iterated, each time: the body stays a Buffer until then. */
export function lazily(make: () => Iterable<string>): Iterable<string> {
  return { [Symbol.iterator]: () => make()[Symbol.iterator]() };
}

/** "1 234 files" style counts in notes. */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

export function utf8(body: Buffer): string {
  return body.toString('utf8');
}
