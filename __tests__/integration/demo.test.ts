import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { afterAll, describe, expect, it } from 'vitest';
import type { Comparison } from '../../src/model/comparison.js';
import { CLASSIC, docker, requireDaemons } from '../helpers/docker.js';

const ready = requireDaemons(CLASSIC);
const root = join(import.meta.dirname, '../..');

const reports = mkdtempSync(join(tmpdir(), 'dsg-demo-'));
afterAll(() => rmSync(reports, { recursive: true, force: true }));

function run(cmd: string, args: string[]): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    const p = spawn(cmd, args, { cwd: root, env: { ...process.env, DOCKER_HOST: CLASSIC, DSG_DEMO_REPORTS: reports } });
    let out = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.stderr.on('data', () => {});
    p.on('close', (code) => resolve({ code: code ?? 1, out }));
  });
}

const bytes = (s: string) => Number(s.split(' ')[0]) * (s.endsWith('GB') ? 1e9 : 1e6);

describe.skipIf(!ready)('npm run demo (the README main command, after provisioning)', () => {
  it('builds the three examples, prints the reduction table next to the article and leaves no image behind', async () => {
    const { code, out } = await run('node', ['scripts/demo.mjs']);
    expect(code).toBe(0);
    const rows = out
      .split('\n')
      .filter((l) => /^\| (Python web API|Node\.js Express service|Go microservice) /.test(l))
      .map((l) => l.split('|').map((c) => c.trim()));
    expect(rows.map((r) => r[1])).toEqual(['Python web API', 'Node.js Express service', 'Go microservice']);
    for (const r of rows) {
      // The examples keep the mission's claim: multi-stage cuts each image by 70 % or more.
      expect(bytes(r[3]!)).toBeLessThan(bytes(r[2]!) * 0.3);
    }
    expect(out).toContain('1.2 GB → 180 MB (85%)');
    expect(out).toContain('<!-- docker-size-guard:');
    expect(docker(CLASSIC, ['images', '-q', '--filter', 'reference=dsg-demo-*'])).toBe('');

    // Each pair's package diff: the single-stage image's toolchain packages are gone in the multi-stage one, and
    // the package lines plus the unowned line add up to the final filesystem's change exactly.
    for (const app of ['python-api', 'node-service', 'go-service']) {
      const c = JSON.parse(readFileSync(join(reports, `${app}.json`), 'utf8')) as Comparison;
      const deb = c.packages!.ecosystems.find((e) => e.ecosystem === 'deb')!;
      const removed = deb.changes.filter((x) => x.kind === 'removed').map((x) => x.name);
      expect(removed, app).toEqual(expect.arrayContaining(['gcc-12', 'cpp-12', 'binutils-x86-64-linux-gnu']));
      const total = deb.changes.reduce((s, x) => s + x.delta, 0) + deb.unowned.delta;
      expect(total, app).toBe(c.head.packages!.finalBytes - c.base!.packages!.finalBytes);
      expect(total, app).toBe(c.files!.added.bytes - c.files!.removed.bytes);
      expect(deb.changes.find((x) => x.name === 'gcc-12')!.delta, app).toBeLessThan(-10_000_000);
    }
  }, 900_000);
});
