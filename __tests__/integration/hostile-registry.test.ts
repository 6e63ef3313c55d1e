import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHostileRegistry, type HostileRegistry } from '../helpers/hostile-registry.js';

const cli = join(import.meta.dirname, '../../dist/cli/index.js');
let reg: HostileRegistry;
beforeAll(async () => {
  reg = await startHostileRegistry();
});
afterAll(() => reg.stop());

/** The built CLI, asynchronously (the registry answers from this process), with the limits scaled to 1 s. */
function dsg(args: string[], env: Record<string, string> = {}) {
  const started = Date.now();
  return new Promise<{ code: number | null; stdout: string; stderr: string; rssMb: number; seconds: number }>(
    (resolve) => {
      const p = spawn('/usr/bin/time', ['-q', '-f', 'MAXRSS=%M', 'node', cli, ...args], {
        env: { ...process.env, DSG_REGISTRY_TIMEOUT: '1', DOCKER_CONFIG: '/nonexistent', ...env },
      });
      let stdout = '';
      let stderr = '';
      p.stdout.on('data', (d: Buffer) => (stdout += d));
      p.stderr.on('data', (d: Buffer) => (stderr += d));
      const kill = setTimeout(() => p.kill('SIGKILL'), 60_000);
      p.on('close', (code) => {
        clearTimeout(kill);
        const rssMb = Number(/MAXRSS=(\d+)/.exec(stderr)?.[1] ?? NaN) / 1024;
        resolve({
          code,
          stdout,
          stderr: stderr.replace(/MAXRSS=\d+\n?$/, ''),
          rssMb,
          seconds: (Date.now() - started) / 1000,
        });
      });
    },
  );
}

describe('a hostile registry (issue 9 §14, §15, §7)', () => {
  it.each([
    ['drip', /took longer than 2 s to send a document/],
    ['stall', /unreachable \(no answer in 1 s\)/],
    ['huge-declared', /larger than 4194304 bytes \(419430400 declared\)/],
    ['huge-chunked', /larger than 4194304 bytes$/],
    ['not-json', /not JSON/],
    ['negative-size', /layers\[0\]\.size: /],
    ['redirect-loop', /more than 5 redirects/],
    ['bad-realm', /token realm file: is not https/],
    ['lying-manifest', /does not match its digest/],
    ['lying-blob', /does not match its digest/],
  ])('%s: one line, exit 2, bounded time and memory', async (repo, error) => {
    const r = await dsg(['measure', `docker://${reg.host}/${repo}:t`, '--format', 'json']);
    expect(r.stderr).toMatch(/^error: [^\n]+\n$/);
    expect(r.stderr).not.toMatch(/internal error|\n\s+at /);
    expect(r.stderr.trim()).toMatch(error);
    expect(r.code).toBe(2);
    expect(r.seconds).toBeLessThan(30);
    expect(r.rssMb).toBeLessThan(160);
  });

  it('sends credentials only to their own host: a blob redirected elsewhere goes without them', async () => {
    const before = reg.seen.length;
    const r = await dsg(['measure', `docker://${reg.host}/steal:t`, '--format', 'json'], {
      DSG_REGISTRY_HOST: reg.host,
      DSG_REGISTRY_USERNAME: 'u',
      DSG_REGISTRY_PASSWORD: 'p',
    });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const seen = reg.seen.slice(before);
    expect(seen.some((s) => s.server === 'main' && s.authorization?.startsWith('Basic '))).toBe(true);
    const redirected = seen.filter((s) => s.server === 'other');
    expect(redirected.length).toBeGreaterThan(0);
    expect(redirected.every((s) => s.authorization === undefined)).toBe(true);
  });

  it('sends no credentials to a host DSG_REGISTRY_HOST does not name', async () => {
    const before = reg.seen.length;
    const r = await dsg(['measure', `docker://${reg.host}/steal:t`, '--format', 'json'], {
      DSG_REGISTRY_HOST: 'registry.example.com',
      DSG_REGISTRY_USERNAME: 'u',
      DSG_REGISTRY_PASSWORD: 'p',
    });
    expect(r.stderr).toMatch(/unauthorized \(401\)/);
    expect(r.code).toBe(2);
    expect(reg.seen.slice(before).every((s) => s.authorization === undefined)).toBe(true);
  });
});
