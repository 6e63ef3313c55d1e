import { spawn } from 'node:child_process';
import { getExecOutput } from '@actions/exec';

/** A program that exited non-zero: one line for the user, and all it wrote to stderr for callers that classify. */
export class ExecError extends Error {
  override name = 'ExecError';
  constructor(
    message: string,
    readonly exitCode: number,
    /** Empty when stderr went to the terminal. */
    readonly stderr: string,
  ) {
    super(message);
  }
}

/**
 * The line that says why: the last `ERROR:` line where there is one (buildx 0.29 ends with "Learn more at …"
 * after it), else the last line. Pure.
 */
export function failureLine(text: string): string {
  const lines = text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  return lines.findLast((l) => l.startsWith('ERROR:')) ?? lines.at(-1) ?? '';
}

export interface ExecResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/**
 * The one place that runs programs (docker buildx, git). Output is captured, not echoed: history and build
 * output can carry secrets; a caller that shows a program's progress gets its lines and redacts them itself. A non-zero exit throws with the program's own last stderr line.
 */
export async function exec(
  command: string,
  args: string[],
  opts: {
    cwd?: string;
    allowFailure?: boolean;
    env?: Record<string, string>;
    input?: string;
    /** Each line of stderr as it arrives (buildx writes its progress there); the whole is still captured. */
    onStderrLine?: (line: string) => void;
    /**
     * stderr goes to this process's own terminal, not captured: buildx draws its own progress only on a console.
     * The caller has made sure there is nothing in it to redact.
     */
    stderrToTerminal?: boolean;
  } = {},
): Promise<ExecResult> {
  if (opts.stderrToTerminal) return execOnTerminal(command, args, opts);
  const env = opts.env ? ({ ...process.env, ...opts.env } as Record<string, string>) : undefined;
  const r = await getExecOutput(command, args, {
    cwd: opts.cwd,
    env,
    silent: true,
    ignoreReturnCode: true,
    ...(opts.input !== undefined ? { input: Buffer.from(opts.input) } : {}),
    ...(opts.onStderrLine ? { listeners: { errline: opts.onStderrLine } } : {}),
  });
  if (r.exitCode !== 0 && !opts.allowFailure) {
    // One line, as every error here is: what the program said of its failure.
    const why = failureLine(r.stderr) || failureLine(r.stdout);
    throw new ExecError(`${command} ${args[0] ?? ''} failed (exit ${r.exitCode}): ${why}`, r.exitCode, r.stderr);
  }
  return r;
}

async function execOnTerminal(
  command: string,
  args: string[],
  opts: { cwd?: string; allowFailure?: boolean; env?: Record<string, string> },
): Promise<ExecResult> {
  const env = opts.env ? { ...process.env, ...opts.env } : process.env;
  const child = spawn(command, args, { cwd: opts.cwd, env, stdio: ['ignore', 'pipe', 'inherit'] });
  const out: Buffer[] = [];
  child.stdout.on('data', (b: Buffer) => out.push(b));
  const exitCode = await new Promise<number>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
  });
  const stdout = Buffer.concat(out).toString('utf8');
  if (exitCode !== 0 && !opts.allowFailure)
    throw new ExecError(`${command} ${args[0] ?? ''} failed (exit ${exitCode}); its own output is above`, exitCode, '');
  return { exitCode, stdout, stderr: '' };
}
