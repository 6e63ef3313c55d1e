import type { Finding } from '../model/finding.js';
import type { DockerfileLine } from '../model/image-report.js';
import type { FixEdit, FixKind } from '../model/suggestion.js';
import { hasControl } from '../util/control.js';
import { slimOf } from './rules/full-base.js';
import { programOf, runWords, type Word } from './shell-words.js';

/** Text put into one physical line of the instruction, before character `at`. */
interface Insert {
  line: number;
  at: number;
  text: string;
}

type Transform = (words: Word[][], lines: readonly string[]) => { inserts: Insert[]; summary: string } | null;

const after = (w: Word, text: string): Insert => ({ line: w.line, at: w.end, text: ` ${text}` });

/** The subcommand word of `tool … sub` (the first argument that is not an option), when it is `sub` (or one of). */
function subcommand(program: Word[], sub: string | ReadonlySet<string>): Word | null {
  const w = program.slice(1).find((x) => !x.text.startsWith('-'));
  if (!w) return null;
  return (typeof sub === 'string' ? w.text === sub : sub.has(w.text)) ? w : null;
}

const has = (command: Word[], word: string) => command.some((w) => w.text === word);

/** The commands whose program is one of `tools`, from the program's word on. */
const runsOf =
  (tools: readonly string[]) =>
  (commands: Word[][]): Word[][] =>
    commands.map(programOf).filter((p) => !!p[0] && tools.includes(p[0].text));

/**
 * Adds `flag` after `sub` in every `tool sub` command (`programs` finds them) that lacks it; null when there is
 * none to change.
 */
function addFlag(programs: (commands: Word[][]) => Word[][], sub: string, flag: string, summary: string): Transform {
  return (commands) => {
    const inserts: Insert[] = [];
    for (const p of programs(commands)) {
      const at = subcommand(p, sub);
      if (at && !has(p, flag)) inserts.push(after(at, flag));
    }
    return inserts.length > 0 ? { inserts, summary } : null;
  };
}

/** Ends a RUN that runs `tool` with `&& command`, unless its text has `already` in it. */
function endWith(tool: string, command: string, already: string): Transform {
  return (commands, lines) => {
    if (runsOf([tool])(commands).length === 0) return null;
    const end = appendCommand(command, already, lines);
    return end ? { inserts: [end], summary: `ends the \`RUN\` with \`${command}\`` } : null;
  };
}

/** Each command's words from the `pip` word on: `pip install`, `pip3 install`, `python3 -m pip install`. */
function pipCommands(commands: Word[][]): Word[][] {
  const out: Word[][] = [];
  for (const c of commands) {
    const p = programOf(c);
    const tool = p[0]?.text ?? '';
    if (/^pip[0-9.]*$/.test(tool)) out.push(p);
    else if (/^python[0-9.]*$/.test(tool)) {
      const m = p.findIndex((w, i) => w.text === '-m' && p[i + 1]?.text === 'pip');
      if (m > 0) out.push(p.slice(m + 1));
    }
  }
  return out;
}

/**
 * Ends the RUN with `&& command`, unless its text has `already` in it; null when its end is not a command's end.
 */
function appendCommand(command: string, already: string, lines: readonly string[]): Insert | null {
  if (lines.some((l) => l.includes(already))) return null;
  let last = lines.length - 1;
  while (last > 0 && lines[last]!.trimStart().startsWith('#')) last--;
  const text = lines[last]!;
  let end = text.endsWith('\r') ? text.length - 1 : text.length;
  while (end > 0 && (text[end - 1] === ' ' || text[end - 1] === '\t')) end--;
  const tail = text[end - 1];
  if (end === 0 || tail === '\\' || tail === ';' || tail === '&' || tail === '|') return null;
  return { line: last, at: end, text: ` && ${command}` };
}

const TRANSFORMS: Record<Exclude<FixKind, 'slim-base' | 'dockerignore'>, Transform> = {
  'apt-cleanup': (commands, lines) => {
    const inserts: Insert[] = [];
    let installs = 0;
    for (const p of runsOf(['apt-get', 'apt'])(commands)) {
      const at = subcommand(p, 'install');
      if (!at) continue;
      installs++;
      if (!has(p, '--no-install-recommends')) inserts.push(after(at, '--no-install-recommends'));
    }
    if (installs === 0) return null; // the lists came from elsewhere (an `apt-get update` alone)
    const end = appendCommand('apt-get clean && rm -rf /var/lib/apt/lists/*', '/var/lib/apt/lists', lines);
    if (end) inserts.push(end);
    if (inserts.length === 0) return null;
    const parts = [
      inserts.some((i) => i.text.includes('--no-install')) ? '`--no-install-recommends`' : null,
      end ? '`apt-get clean && rm -rf /var/lib/apt/lists/*` in the same `RUN`' : null,
    ].filter(Boolean);
    return { inserts, summary: `adds ${parts.join(' and ')}` };
  },
  'apk-no-cache': addFlag(runsOf(['apk']), 'add', '--no-cache', 'adds `--no-cache` to `apk add`'),
  'pip-no-cache': addFlag(pipCommands, 'install', '--no-cache-dir', 'adds `--no-cache-dir` to `pip install`'),
  'npm-cache-clean': endWith('npm', 'npm cache clean --force', 'npm cache clean'),
  'yarn-cache-clean': endWith('yarn', 'yarn cache clean', 'yarn cache clean'),
  // `pnpm store prune` keeps what the project links to, which after an install is all of it; node_modules holds
  // hard links into the store, so the files stay. Whether the layer shrinks is for the rebuild to say.
  'pnpm-store-remove': endWith('pnpm', 'rm -rf "$(pnpm store path)"', 'pnpm store'),
  'npm-omit-dev': (commands) => {
    const inserts: Insert[] = [];
    for (const p of runsOf(['npm'])(commands)) {
      const sub = subcommand(p, NPM_INSTALLS);
      // `npm install <pkg>` adds a package: only a whole install from the lockfile or package.json is changed.
      if (!sub || p.slice(p.indexOf(sub) + 1).some((w) => !w.text.startsWith('-'))) continue;
      if (p.some((w) => PROD_ONLY.has(w.text) || w.text.startsWith('--only=prod'))) continue;
      inserts.push(after(sub, '--omit=dev'));
    }
    return inserts.length > 0 ? { inserts, summary: 'adds `--omit=dev` to `npm ci` / `npm install`' } : null;
  },
};

const NPM_INSTALLS = new Set(['ci', 'install', 'i', 'clean-install']);
const PROD_ONLY = new Set(['--omit=dev', '--production', '--prod', '--omit', '--only']);

/** The package-cache rule's caches that a transform cleans (a Map: a key read back from a report is hostile). */
const CACHE_FIX = new Map<string, Exclude<FixKind, 'slim-base' | 'dockerignore'>>([
  ['apt', 'apt-cleanup'],
  ['apk', 'apk-no-cache'],
  ['pip', 'pip-no-cache'],
  ['npm', 'npm-cache-clean'],
  ['yarn', 'yarn-cache-clean'],
  ['pnpm', 'pnpm-store-remove'],
]);

/** The transform of a `RUN` that answers a finding, if one does. */
function runFixOf(f: Finding): Exclude<FixKind, 'slim-base' | 'dockerignore'> | undefined {
  if (f.rule === 'package-cache') return CACHE_FIX.get(f.key.split(':')[1] ?? '');
  return f.key === 'dev-files:node-dev-deps' ? 'npm-omit-dev' : undefined;
}

function applied(lines: readonly string[], inserts: Insert[]): string[] {
  const out = [...lines];
  const order = [...inserts].sort((a, b) => b.line - a.line || b.at - a.at);
  for (const i of order) out[i.line] = out[i.line]!.slice(0, i.at) + i.text + out[i.line]!.slice(i.at);
  return out;
}

/** The `FROM` line with its image swapped for the slim variant the full-base rule named. */
function slimBase(line: string): { lines: string[]; summary: string } | null {
  const words = line.split(' ').filter(Boolean);
  let at = 1;
  if (words[0]?.toUpperCase() !== 'FROM') return null;
  while (words[at]?.startsWith('--')) at++;
  const image = words[at];
  if (!image || image.includes('$') || image.includes('@')) return null;
  const colon = image.lastIndexOf(':');
  const slash = image.lastIndexOf('/');
  const name = colon > slash ? image.slice(0, colon) : image;
  const tag = colon > slash ? image.slice(colon + 1) : 'latest';
  const slim = slimOf(name, tag);
  if (!slim || slim === image) return null;
  const start = line.indexOf(` ${image}`) + 1;
  if (start <= 0) return null;
  return {
    lines: [line.slice(0, start) + slim + line.slice(start + image.length)],
    summary: `runs the final stage on \`${slim}\` instead of \`${image}\``,
  };
}

/**
 * The fix the findings of one layer can have written into the Dockerfile, on the lines of the instruction that
 * made the layer (`line`, as the layer's Dockerfile line was found), from the Dockerfile's text: one edit for the
 * instruction, whatever number of its findings it answers, so that no two edits touch one line. Null when no
 * finding's rule has a mechanical fix, the instruction is not in a form these transforms read (exec form, heredoc,
 * a quote across lines, ARG in the FROM, a line matched by position only), or there is nothing to change. Pure.
 */
export function fixEditFor(findings: readonly Finding[], line: DockerfileLine | null, text: string): FixEdit | null {
  if (!line || line.found === 'order') return null;
  const all = text.split('\n');
  if (line.startLine < 1 || line.endLine > all.length || line.endLine < line.startLine) return null;
  let lines = all.slice(line.startLine - 1, line.endLine);
  // A suggestion shows the lines as they are: one with a control or bidi character is not one to offer.
  if (lines.some(hasControl)) return null;
  const kinds: FixKind[] = [];
  const answered: Finding[] = [];
  const summaries: string[] = [];
  for (const f of findings) {
    let change: { lines: string[]; summary: string; kind: FixKind } | null = null;
    if (f.rule === 'full-base' && line.found === 'from' && lines.length === 1) {
      const slim = slimBase(lines[0]!);
      change = slim && { ...slim, kind: 'slim-base' };
    } else if (line.found === 'history' || line.found === 'provenance') {
      // The RUN's own text, known to be the instruction that made the layer: a transform of it.
      const kind = runFixOf(f);
      const run = kind && !kinds.includes(kind) ? runWords(lines) : null;
      const t = kind && run ? TRANSFORMS[kind](run.commands, lines) : null;
      change = t && { lines: applied(lines, t.inserts), summary: t.summary, kind: kind! };
    }
    if (!change) continue;
    lines = change.lines;
    kinds.push(change.kind);
    answered.push(f);
    summaries.push(change.summary);
  }
  if (answered.length === 0) return null;
  return {
    kinds,
    findingKeys: answered.map((f) => f.key),
    rules: [...new Set(answered.map((f) => f.rule))],
    file: line.file,
    startLine: line.startLine,
    endLine: line.endLine,
    lines,
    summary: summaries.join('; '),
  };
}

/**
 * The file with the edits applied. Dockerfile edits keep their line count, so they never move one another; a file
 * takes at most one edit that adds lines (the `.dockerignore` one). Pure.
 */
export function applyEdits(text: string, edits: readonly FixEdit[]): string {
  const lines = text.split('\n');
  for (const e of edits) lines.splice(e.startLine - 1, e.endLine - e.startLine + 1, ...e.lines);
  return lines.join('\n');
}

/** What `.dockerignore` leaves out for each dev-files check that a copy from the context can cause. */
const IGNORE_PATTERNS = new Map<string, string[]>([
  ['dev-files:vcs', ['.git', '.hg', '.svn']],
  ['dev-files:tests', ['**/test', '**/tests', '**/__tests__', '**/spec']],
  ['dev-files:bytecode', ['**/__pycache__', '**/*.pyc']],
  ['dev-files:node-modules', ['node_modules']],
]);

/**
 * The `.dockerignore` lines that keep out what the dev-files findings found copied from the build context, added
 * after the file's last line (`text` null: there is no such file yet). Null when no finding is one a
 * `.dockerignore` answers, or every pattern is there already. Pure.
 */
export function dockerignoreEditFor(
  findings: readonly Finding[],
  ignore: { file: string; text: string | null },
): FixEdit | null {
  const lines = (ignore.text ?? '').split('\n');
  if (lines.at(-1) === '') lines.pop(); // the final newline
  const have = new Set(lines.map((l) => l.trim()));
  const answered = findings.filter((f) => f.rule === 'dev-files' && IGNORE_PATTERNS.has(f.key));
  const patterns = [...new Set(answered.flatMap((f) => IGNORE_PATTERNS.get(f.key)!))].filter((p) => !have.has(p));
  if (patterns.length === 0 || lines.some(hasControl)) return null;
  const last = lines.length;
  return {
    kinds: ['dockerignore'],
    findingKeys: answered.map((f) => f.key),
    rules: ['dev-files'],
    file: ignore.file,
    startLine: last === 0 ? 1 : last,
    endLine: last === 0 ? 0 : last,
    lines: last === 0 ? patterns : [lines[last - 1]!, ...patterns],
    summary: `adds ${patterns.map((p) => `\`${p}\``).join(', ')} to \`${ignore.file}\``,
  };
}
