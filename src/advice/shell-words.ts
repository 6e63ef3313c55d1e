/**
 * The words of a shell-form `RUN`, with where each sits in the Dockerfile, enough to insert a flag after a word or
 * a command after the last one. Not a shell: quotes and backslashes keep a word whole, `&&`, `||`, `;` and `|`
 * separate commands, and anything this does not understand makes the caller write no fix. One pass per line, no
 * regular expression over the text.
 */
export interface Word {
  text: string;
  /** 0-based index of the physical line in the instruction, and the end of the word in it (exclusive). */
  line: number;
  end: number;
  separator: boolean;
}

/** The words of one physical line; null when a quote is still open at its end (a string across lines). */
function wordsOf(text: string, line: number): Word[] | null {
  const out: Word[] = [];
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text[i]!;
    if (c === ' ' || c === '\t' || c === '\r') {
      i++;
      continue;
    }
    if (c === '&' || c === '|' || c === ';') {
      const two = text.slice(i, i + 2);
      const op = two === '&&' || two === '||' ? two : c;
      out.push({ text: op, line, end: i + op.length, separator: true });
      i += op.length;
      continue;
    }
    if (c === '#' && out.length === 0) return out; // a comment line inside a RUN: BuildKit drops it
    if (c === '\\' && i === n - 1) break; // the line continues
    let word = '';
    let started = false;
    while (i < n) {
      const d = text[i]!;
      if (d === ' ' || d === '\t' || d === '\r' || d === '&' || d === '|' || d === ';') break;
      if (d === '\\' && i === n - 1) break; // the line continues: not part of a word
      started = true;
      if (d === "'" || d === '"') {
        const close = text.indexOf(d, i + 1);
        if (close < 0) return null;
        word += text.slice(i + 1, close);
        i = close + 1;
      } else if (d === '\\') {
        word += text[i + 1];
        i += 2;
      } else {
        word += d;
        i++;
      }
    }
    if (started) out.push({ text: word, line, end: i, separator: false });
  }
  return out;
}

export interface RunWords {
  /** The commands between separators, each its words in order. */
  commands: Word[][];
}

/**
 * The words of a shell-form RUN instruction given its physical lines (the first starts with the keyword). Null for
 * the exec form, a heredoc, a quote that spans lines, or no command at all.
 */
export function runWords(lines: readonly string[]): RunWords | null {
  const words: Word[] = [];
  for (const [i, text] of lines.entries()) {
    const w = wordsOf(text.endsWith('\r') ? text.slice(0, -1) : text, i);
    if (!w) return null;
    words.push(...w);
  }
  let at = 0;
  if (words[at]?.text.toUpperCase() !== 'RUN') return null;
  at++;
  while (words[at]?.text.startsWith('--')) at++;
  const first = words[at];
  if (!first || first.text.startsWith('[') || first.text.startsWith('<<')) return null;
  const rest = words.slice(at);
  if (rest.some((w) => w.text.startsWith('<<'))) return null;
  const commands: Word[][] = [[]];
  for (const w of rest) {
    if (w.separator) commands.push([]);
    else commands.at(-1)!.push(w);
  }
  return { commands: commands.filter((c) => c.length > 0) };
}

/** A command's program and arguments without leading `VAR=value` assignments and `sudo`. */
export function programOf(command: readonly Word[]): Word[] {
  let at = 0;
  while (at < command.length && (isAssignment(command[at]!.text) || command[at]!.text === 'sudo')) at++;
  return command.slice(at);
}

function isAssignment(word: string): boolean {
  const eq = word.indexOf('=');
  if (eq <= 0) return false;
  for (let i = 0; i < eq; i++) {
    const c = word.charCodeAt(i);
    const ok = c === 95 || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || (i > 0 && c >= 48 && c <= 57);
    if (!ok) return false;
  }
  return true;
}
