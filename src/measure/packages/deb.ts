import {
  eachLine,
  lazily,
  MAX_PACKAGES,
  plural,
  utf8,
  type FoundPackage,
  type ReaderInput,
  type ReadResult,
} from './reader.js';

const STATUS = '/var/lib/dpkg/status';
const STATUS_D = '/var/lib/dpkg/status.d/';
const INFO = '/var/lib/dpkg/info/';

export type Stanza = Map<string, string>;

/** The fields read; the rest of a paragraph (descriptions, conffiles, dependencies) is skipped unkept. */
const FIELDS = new Set(['Package', 'Status', 'Version', 'Architecture', 'Source', 'Installed-Size']);

/**
 * deb822 paragraphs (dpkg's `status`, distroless' `status.d/*`): `Field: value`, continuation lines start with a
 * space or a tab, paragraphs are separated by blank lines. Only the fields read here are kept, and of each its
 * first line; a line that is neither a field nor a continuation is counted as malformed and skipped. The text is
 * walked line by line without splitting it, so a large database costs its packages, not its lines.
 */
export function parseStanzas(text: string, limit = MAX_PACKAGES): { stanzas: Stanza[]; malformed: number } {
  const stanzas: Stanza[] = [];
  let malformed = 0;
  let cur: Stanza | null = null;
  let started = false;
  for (let at = 0; at <= text.length && stanzas.length < limit;) {
    let end = text.indexOf('\n', at);
    if (end < 0) end = text.length;
    const line = text.slice(at, end);
    at = end + 1;
    if (line.trim() === '') {
      if (started) stanzas.push(cur ?? new Map());
      cur = null;
      started = false;
      continue;
    }
    if (line.startsWith(' ') || line.startsWith('\t')) continue;
    const colon = line.indexOf(':');
    if (colon <= 0) {
      malformed += 1;
      continue;
    }
    started = true;
    const field = line.slice(0, colon);
    if (FIELDS.has(field)) (cur ??= new Map()).set(field, line.slice(colon + 1).trim());
  }
  if (started && stanzas.length < limit) stanzas.push(cur ?? new Map());
  return { stanzas, malformed };
}

const INSTALLED_STATES = new Set([
  'installed',
  'half-configured',
  'unpacked',
  'half-installed',
  'triggers-awaited',
  'triggers-pending',
]);

/** A stanza describes an installed package when it has a name and a state that leaves its files on disk. */
function installed(s: Stanza): boolean {
  const status = s.get('Status');
  if (status === undefined) return true; // distroless' status.d entries carry none
  return INSTALLED_STATES.has(status.split(/\s+/)[2] ?? '');
}

function declared(s: Stanza): number | null {
  const kib = Number(s.get('Installed-Size'));
  return Number.isSafeInteger(kib) && kib >= 0 ? kib * 1024 : null;
}

function sourceOf(s: Stanza, name: string): string | undefined {
  const src = s.get('Source')?.split(/\s+/)[0];
  return src && src !== name ? src : undefined;
}

/**
 * The paths a package's file list names: `/var/lib/dpkg/info/NAME[:ARCH].list` has absolute paths, one per line;
 * distroless' `status.d/NAME.md5sums` has `HASH  relative/path`.
 */
/** `HASH  path`: the path after 32 hex digits and white space, found by position (no regex on image text). */
export function md5sumsPath(line: string): string {
  if (line.length < 34 || !/^[0-9a-f]{32}$/.test(line.slice(0, 32)) || !/\s/.test(line[32]!)) return '';
  return line.slice(33).trimStart();
}

function* listedNames(body: Buffer, md5sums: boolean): Generator<string> {
  for (const line of eachLine(utf8(body))) yield md5sums ? md5sumsPath(line) : line;
}

function listedPaths(body: Buffer, md5sums: boolean, input: ReaderInput): Iterable<string> {
  return lazily(() => input.paths.joinAll('/', listedNames(body, md5sums)));
}

/**
 * dpkg's database: installed packages from `status` (or distroless' `status.d/`), each owning the files its
 * `info/*.list` (or `status.d/*.md5sums`) names.
 */
export function readDeb(input: ReaderInput): ReadResult | null {
  const status = input.captured.get(STATUS);
  const statusD = [...input.captured.keys()].filter((p) => p.startsWith(STATUS_D) && !p.endsWith('.md5sums'));
  if (!status && statusD.length === 0) return null;
  if (status && status.body === null)
    return { ecosystem: 'deb', notRead: `${STATUS} is ${status.size} bytes, over the limit for a package database` };

  const notes: string[] = [];
  const entries: { stanza: Stanza; layer: number; fromStatusD: boolean }[] = [];
  let malformed = 0;
  if (status) {
    const parsed = parseStanzas(utf8(status.body!));
    malformed += parsed.malformed;
    for (const stanza of parsed.stanzas) entries.push({ stanza, layer: status.layer, fromStatusD: false });
  }
  for (const path of statusD.sort()) {
    const c = input.captured.get(path)!;
    if (!c.body) {
      notes.push(`${path}: ${c.size} bytes, over the limit; skipped`);
      continue;
    }
    const parsed = parseStanzas(utf8(c.body), MAX_PACKAGES - entries.length);
    malformed += parsed.malformed;
    for (const stanza of parsed.stanzas) entries.push({ stanza, layer: c.layer, fromStatusD: true });
    if (entries.length >= MAX_PACKAGES) break;
  }
  if (entries.length >= MAX_PACKAGES) notes.push(`more than ${MAX_PACKAGES} packages: read the first ${MAX_PACKAGES}`);
  if (malformed > 0) notes.push(`${plural(malformed, 'malformed line')} in the package database skipped`);

  const packages: FoundPackage[] = [];
  let nameless = 0;
  let withoutList = 0;
  let oversizedLists = 0;
  for (const { stanza, layer, fromStatusD } of entries) {
    const name = stanza.get('Package');
    if (!name || !/^[a-z0-9][a-z0-9+.-]*$/.test(name)) {
      nameless += 1;
      continue;
    }
    if (!installed(stanza)) continue;
    const arch = stanza.get('Architecture') || undefined;
    const list = fromStatusD
      ? input.captured.get(`${STATUS_D}${name}.md5sums`)
      : (input.captured.get(`${INFO}${name}:${arch}.list`) ?? input.captured.get(`${INFO}${name}.list`));
    let files: Iterable<string> = [];
    if (!list) withoutList += 1;
    else if (!list.body) oversizedLists += 1;
    else files = listedPaths(list.body, fromStatusD, input);
    const source = sourceOf(stanza, name);
    packages.push({
      name,
      version: stanza.get('Version') ?? '',
      ...(arch ? { arch } : {}),
      ...(source ? { source } : {}),
      declaredBytes: declared(stanza),
      layer: list?.layer ?? layer,
      files,
    });
  }
  if (nameless > 0) notes.push(`${plural(nameless, 'record')} without a valid package name skipped`);
  if (withoutList > 0) notes.push(`${plural(withoutList, 'package')} without a file list (bytes not counted)`);
  if (oversizedLists > 0) notes.push(`${plural(oversizedLists, 'file list')} over the size limit (bytes not counted)`);
  return { ecosystem: 'deb', packages, notes };
}
