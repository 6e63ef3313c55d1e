/**
 * Host keys checked as OpenSSH checks them: the keys and the hashed known_hosts lines are made by OpenSSH's own
 * ssh-keygen (`-H` hashes the names), so the match is held to its format, not to ours.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { knownHostName, verifyHostKey } from '../../src/sources/known-hosts.js';

const dir = mkdtempSync(join(tmpdir(), 'dsg-known-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
function key(name: string): { line: string; blob: Buffer } {
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, name)]);
  const [type, data] = readFileSync(join(dir, `${name}.pub`), 'utf8').split(' ') as [string, string];
  return { line: `${type} ${data}`, blob: Buffer.from(data, 'base64') };
}
function hashed(text: string): string {
  const file = join(dir, 'hash_me');
  writeFileSync(file, text);
  execFileSync('ssh-keygen', ['-q', '-H', '-f', file], { stdio: 'ignore' });
  return readFileSync(file, 'utf8');
}

describe("known_hosts, as OpenSSH's ssh-keygen writes it", () => {
  const a = key('a');
  const b = key('b');

  it('names a host as known_hosts does: the port only when it is not 22', () => {
    expect(knownHostName('docker.example', 22)).toBe('docker.example');
    expect(knownHostName('127.0.0.1', 2222)).toBe('[127.0.0.1]:2222');
  });

  it('plain and hashed names; another key, another host or another port is unknown', () => {
    const plain = `# comment\n\nbuild.example,10.0.0.7 ${a.line}\n[127.0.0.1]:2222 ${b.line} root@x\n`;
    for (const text of [plain, hashed(plain)]) {
      expect(verifyHostKey(text, 'build.example', 22, a.blob)).toBe('known');
      expect(verifyHostKey(text, '10.0.0.7', 22, a.blob)).toBe('known');
      expect(verifyHostKey(text, '127.0.0.1', 2222, b.blob)).toBe('known');
      expect(verifyHostKey(text, 'build.example', 22, b.blob)).toBe('unknown');
      expect(verifyHostKey(text, '127.0.0.1', 22, b.blob)).toBe('unknown');
      expect(verifyHostKey(text, 'other.example', 22, a.blob)).toBe('unknown');
    }
    expect(hashed(plain)).not.toContain('build.example');
  });

  it('a revoked key is refused even where another line knows it; a negated name does not match', () => {
    expect(verifyHostKey(`h ${a.line}\n@revoked * ${a.line}\n@revoked h ${a.line}\n`, 'h', 22, a.blob)).toBe('revoked');
    expect(verifyHostKey(`h,!h ${a.line}\n`, 'h', 22, a.blob)).toBe('unknown');
    expect(verifyHostKey(`@cert-authority h ${a.line}\n`, 'h', 22, a.blob)).toBe('unknown');
    // Wildcards are not matched: such a host is refused and told how to record its key.
    expect(verifyHostKey(`*.example ${a.line}\n`, 'h.example', 22, a.blob)).toBe('unknown');
  });

  it('hostile files: huge lines and junk are skipped in linear time', () => {
    const junk = `${'|1|'.repeat(100_000)}\n${' \t'.repeat(100_000)}x\n|1|||\n@\nh ${a.line}\n`;
    expect(verifyHostKey(junk, 'h', 22, a.blob)).toBe('known');
  });
});
