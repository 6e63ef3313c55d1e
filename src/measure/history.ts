import type { HistoryEntry } from '../model/oci.js';

export const MISSING_INSTRUCTION = '<missing>';
export const REDACTED = '***';

/** What stands in a RUN line where the shell could not be told apart from the build-arg values before it. */
export const HIDDEN_COMMAND = '‹command hidden: its shell is not one this tool knows›';

/**
 * A shell's `-c` invocation as BuildKit and the classic builder record it: any absolute path to a `sh`-named
 * shell (sh, bash, dash, ash, zsh, ksh, mksh), busybox's applet form, or Windows' cmd / powershell.
 */
const SHELL_START =
  /(^| )((?:\/\S*\/)?busybox sh -c|\/\S*\/(?:ba|da|a|z|k|mk)?sh -c|cmd \/S \/C|powershell(?:\.exe)? )/;
const KEY = /(?:^| )([A-Za-z_][A-Za-z0-9_]*)=/g;

/**
 * Build-arg values are recorded in history as `|N KEY=value … <shell> -c …` (classic builder and BuildKit
 * alike). Keeps the keys, replaces the values. A value may hold spaces, `[` or anything else, so the block ends
 * only where a known shell starts after the N-th key; with no known shell (exec form, a custom SHELL) the command
 * cannot be told apart from the last value and is hidden too.
 */
export function redactBuildArgs(createdBy: string): string {
  const m = /^(RUN )?\|(\d+) /.exec(createdBy);
  if (!m) return createdBy;
  const count = Number(m[2]);
  const rest = createdBy.slice(m[0].length);
  const keys = [...rest.matchAll(KEY)];
  const nth = keys[Math.max(0, count - 1)];
  const from = nth ? nth.index + nth[0].length : 0;
  const shell = SHELL_START.exec(rest.slice(from));
  const argsText = shell ? rest.slice(0, from + shell.index) : rest;
  const tail = shell ? rest.slice(from + shell.index + shell[1]!.length) : HIDDEN_COMMAND;
  const names = [...argsText.matchAll(KEY)].map((k) => k[1]!);
  const redacted = names.map((k) => `${k}=${REDACTED}`).join(' ');
  return `${m[1] ?? ''}|${count} ${redacted} ${tail}`.replace(/ +/g, ' ');
}

const SCHEME_CHAR = /[a-z0-9+.-]/i;
const ENDS_USERINFO = /[/@\s]/;

/**
 * `scheme://user:password@host` in ADD lines and elsewhere: the credentials go. Found by position from each
 * `://` (a forward scan that stops at the next `/`, so no two scans overlap): linear in the line, whatever it
 * holds.
 */
export function redactUrlCredentials(s: string): string {
  let out = '';
  let done = 0;
  for (let at = s.indexOf('://'); at !== -1; at = s.indexOf('://', at + 3)) {
    let start = at;
    while (start > done && SCHEME_CHAR.test(s[start - 1]!)) start--;
    // A scheme starts with a letter, at a word boundary.
    while (start < at && !/[a-z]/i.test(s[start]!)) start++;
    if (start === at || (start > 0 && /\w/.test(s[start - 1]!))) continue;
    let end = at + 3;
    while (end < s.length && !ENDS_USERINFO.test(s[end]!)) end++;
    if (end === at + 3 || s[end] !== '@') continue;
    out += s.slice(done, at + 3) + REDACTED;
    done = end;
  }
  return out + s.slice(done);
}

/** A history line as a person reads it: BuildKit's and the classic builder's shell boilerplate removed. */
export function displayInstruction(createdBy: string | undefined): string {
  if (!createdBy) return MISSING_INSTRUCTION;
  let s = redactUrlCredentials(redactBuildArgs(createdBy.trim()));
  s = s.replace(/ # buildkit$/, '');
  s = s.replace(/^\/bin\/sh -c #\(nop\) +/, '');
  s = s.replace(/^(RUN (?:\|\d+ (?:[A-Za-z_][A-Za-z0-9_]*=\*\*\* ?)*)?)\/bin\/sh -c /, '$1');
  s = s.replace(/^((?:\|\d+ (?:[A-Za-z_][A-Za-z0-9_]*=\*\*\* ?)*)?)\/bin\/sh -c /, 'RUN $1');
  s = s.replace(/^\|(\d+) /, 'RUN |$1 ');
  return s.replace(/\s+/g, ' ').trim();
}

/**
 * Maps history entries to layers as moby and dive do: entries marked `empty_layer` have no layer; the rest take
 * layers in order; layers left over get `<missing>`; surplus entries are ignored.
 */
export function instructionsForLayers(history: HistoryEntry[] | undefined, layerCount: number): string[] {
  const out: string[] = [];
  for (const h of history ?? []) {
    if (h.empty_layer) continue;
    if (out.length >= layerCount) break;
    out.push(displayInstruction(h.created_by));
  }
  while (out.length < layerCount) out.push(MISSING_INSTRUCTION);
  return out;
}
