import type { HistoryEntry } from '../model/oci.js';

export const MISSING_INSTRUCTION = '<missing>';
export const REDACTED = '***';

/**
 * Build-arg values are recorded in history as `|N KEY=value … /bin/sh -c …` (classic builder and BuildKit alike).
 * Keeps the keys, replaces the values. The values may contain spaces, so the block ends where the shell starts.
 */
export function redactBuildArgs(createdBy: string): string {
  const m = /^(RUN )?\|(\d+) /.exec(createdBy);
  if (!m) return createdBy;
  const count = Number(m[2]);
  const rest = createdBy.slice(m[0].length);
  const shell = /(^| )(\/bin\/(?:ba|da|a)?sh -c|cmd \/S \/C|powershell|\[)/.exec(rest);
  let argsText: string;
  let tail: string;
  if (shell) {
    argsText = rest.slice(0, shell.index);
    tail = rest.slice(shell.index + shell[1]!.length);
  } else {
    // Exec-form RUN without a shell: take exactly N whitespace-separated KEY=value tokens.
    const tokens = rest.split(' ');
    argsText = tokens.slice(0, count).join(' ');
    tail = tokens.slice(count).join(' ');
  }
  const keys = [...argsText.matchAll(/(?:^| )([A-Za-z_][A-Za-z0-9_]*)=/g)].map((k) => k[1]!);
  const redacted = keys.map((k) => `${k}=${REDACTED}`).join(' ');
  return `${m[1] ?? ''}|${count} ${redacted}${tail ? ' ' + tail : ''}`;
}

/** A history line as a person reads it: BuildKit's and the classic builder's shell boilerplate removed. */
export function displayInstruction(createdBy: string | undefined): string {
  if (!createdBy) return MISSING_INSTRUCTION;
  let s = redactBuildArgs(createdBy.trim());
  s = s.replace(/ # buildkit$/, '');
  s = s.replace(/^\/bin\/sh -c #\(nop\) +/, '');
  s = s.replace(/^(RUN (?:\|\d+ (?:[A-Za-z_][A-Za-z0-9_]*=\*\*\* ?)*)?)\/bin\/sh -c /, '$1');
  s = s.replace(/^((?:\|\d+ (?:[A-Za-z_][A-Za-z0-9_]*=\*\*\* ?)*)?)\/bin\/sh -c /, 'RUN $1');
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
