import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { stepLines } from '../buildx/progress.js';
import { redactText, secretValues } from '../run/redact.js';
import { cleanUpOnSignal } from '../util/interrupt.js';
import { checkRev, hasCommit, mergeBase, repositoryRoot } from '../git/git.js';
import type { BuildInputs } from '../buildx/buildx-args.js';
import { parseRules } from '../compare/parse-rules.js';
import { measureTarget } from '../run/measure-target.js';
import { LayerCache } from '../measure/layer-cache.js';
import { checkIgnorePaths } from '../measure/ignore.js';
import { UserError, errorMessage } from '../errors.js';
import { parseFormat } from './args.js';
import { emitComparison, RULE_FLAGS } from './compare.js';
import type { Output } from './output.js';
import { yieldCpuToBuilds } from '../util/priority.js';

export const DIFF_USAGE = `Usage: docker-size-guard diff [--base-ref REF] [--context DIR] [--file PATH] [--target STAGE]
                             [--build-arg K=V]... [--builder NAME] [--no-cache] [--pull] [--progress auto|plain|tty]
                             [--format text|json|markdown] [rule flags as for compare]
Builds the working tree and the merge base with REF (default origin/HEAD, else main) and compares them.
--progress: buildx's own progress on a terminal (auto, without --build-arg), else one line per finished step.
`;

/** buildx draws its own progress only where no value needs redacting: its output is not ours to filter. */
function terminalProgress(mode: string, buildArgs: string[], isTerminal: boolean): boolean {
  if (mode === 'plain') return false;
  if (mode === 'tty') {
    if (buildArgs.length > 0)
      throw new UserError(
        "Invalid --progress: 'tty' would show buildx's output unredacted, and --build-arg values can appear in it; use plain or auto",
      );
    return true;
  }
  if (mode !== 'auto') throw new UserError(`Invalid --progress: '${mode}' must be auto, plain or tty`);
  return isTerminal && buildArgs.length === 0;
}

async function defaultBaseRef(root: string): Promise<string> {
  for (const ref of ['origin/HEAD', 'main', 'master']) if (await hasCommit(root, ref)) return ref;
  throw new UserError('Invalid --base-ref: none given, and neither origin/HEAD, main nor master exists');
}

export async function diffCommand(argv: string[], io: Output): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      'base-ref': { type: 'string' },
      context: { type: 'string', default: '.' },
      file: { type: 'string', default: '' },
      target: { type: 'string', default: '' },
      'build-arg': { type: 'string', multiple: true, default: [] },
      'no-cache': { type: 'boolean', default: false },
      pull: { type: 'boolean', default: false },
      builder: { type: 'string', default: '' },
      format: { type: 'string', default: 'text' },
      progress: { type: 'string', default: 'auto' },
      'ignore-path': { type: 'string', multiple: true, default: [] },
      ...RULE_FLAGS,
    },
  });
  const format = parseFormat(values.format as string);
  const terminal = terminalProgress(
    values.progress as string,
    values['build-arg'] as string[],
    io.errIsTerminal === true,
  );
  const rules = parseRules(values as unknown as Record<string, string | undefined>, (n) => `--${n}`);
  const root = await repositoryRoot('diff');
  const given = values['base-ref'] as string | undefined;
  const baseRef = given !== undefined ? checkRev(given, '--base-ref') : await defaultBaseRef(root);
  const baseSha = await mergeBase(root, baseRef, 'HEAD');

  await yieldCpuToBuilds();
  const tmp = await mkdtemp(join(tmpdir(), 'docker-size-guard-'));
  const cleanups: (() => Promise<void>)[] = [() => rm(tmp, { recursive: true, force: true })];
  const secrets = secretValues(values['build-arg'] as string[]);
  const release = cleanUpOnSignal(cleanups, (m) => io.err(`${m}\n`));
  try {
    const build: BuildInputs = {
      context: values.context as string,
      file: values.file as string,
      target: values.target as string,
      buildArgs: values['build-arg'] as string[],
      buildContexts: [],
      secrets: [],
      platforms: [],
      builder: values.builder as string,
      cacheFrom: [],
      cacheTo: [],
      pull: values.pull as boolean,
      noCache: values['no-cache'] as boolean,
    };
    const ignorePaths = checkIgnorePaths(values['ignore-path'] as string[], '--ignore-path');
    const target = { name: 'working tree', build, baseImage: '', headImage: '', rules, ignorePaths };
    const ctx = {
      root,
      baseSha,
      baseMissing: null,
      baseLabel: baseRef,
      approved: false,
      tmp,
      id: `cli-${randomBytes(4).toString('hex')}`,
      cache: new LayerCache(),
    };
    const steps = stepLines();
    const log = {
      group: async <T>(name: string, fn: () => Promise<T>) => {
        io.err(`${name}…\n`);
        return fn();
      },
      warning: (m: string) => io.err(`warning: ${redactText(m, secrets)}\n`),
      info: (m: string) => io.err(`${m}\n`),
      terminal,
      // Measuring a large image takes a while: at a terminal, a line per layer read.
      ...(io.errIsTerminal ? { measuring: (m: string) => io.err(`${m}\n`) } : {}),
      // One line per finished step as the builds run, values redacted before they are written.
      progress: (line: string) => {
        const step = steps(line);
        if (step) io.err(`${redactText(step, secrets)}\n`);
      },
    };
    // The same build-and-measure path as the action; no platforms given, so one entry.
    const [entry] = await measureTarget(target, ctx, log, cleanups);
    // Build-arg values can surface anywhere an image's text does; none is printed, and none decides the exit code.
    const names = { base: `${baseRef} (${baseSha.slice(0, 12)})`, head: 'working tree' };
    return emitComparison(entry!.comparison, format, names, io, secrets);
  } catch (err) {
    // A failed build's last line may quote what a RUN printed.
    if (err instanceof Error) err.message = redactText(err.message, secrets);
    throw err;
  } finally {
    release();
    for (const c of cleanups.reverse())
      await c().catch((err: unknown) => io.err(`warning: cleanup: ${errorMessage(err)}\n`));
  }
}
