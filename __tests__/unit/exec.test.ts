import { describe, expect, it } from 'vitest';
import { exec, ExecError, failureLine } from '../../src/exec.js';

describe('a program that fails', () => {
  it("says buildx's own ERROR line, not the help link after it, and keeps all of stderr for callers", async () => {
    // buildx 0.29.1's refusal, as it printed it here (classic store, docker driver, type=docker,dest=…)
    const said =
      'ERROR: failed to build: Docker exporter is not supported for the docker driver.\n' +
      'Switch to a different driver, or turn on the containerd image store, and try again.\n' +
      'Learn more at https://docs.docker.com/go/build-exporters/\n';
    const err = await exec('sh', ['-c', `printf '%s' "$0" >&2; exit 3`, said]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ExecError);
    expect((err as ExecError).message).toBe(
      'sh -c failed (exit 3): ERROR: failed to build: Docker exporter is not supported for the docker driver.',
    );
    expect((err as ExecError).stderr).toBe(said);
    expect((err as ExecError).exitCode).toBe(3);
  });

  it('takes the last line where no line says ERROR', () => {
    expect(failureLine('step 1\n  fatal: bad revision  \n\n')).toBe('fatal: bad revision');
    expect(failureLine('')).toBe('');
  });
});
