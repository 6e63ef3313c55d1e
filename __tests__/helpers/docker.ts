import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { DockerDaemon } from '../../src/sources/daemon.js';

export const CLASSIC = 'unix:///var/run/docker.sock';
export const CONTAINERD = 'unix:///tmp/docker-containerd/docker.sock';
export const REGISTRY = '127.0.0.1:5000';

export function daemonUp(host: string): boolean {
  return spawnSync('docker', ['-H', host, 'info'], { stdio: 'ignore', timeout: 20000 }).status === 0;
}

/**
 * Docker tests run where a daemon answers; in CI (CI=true) a missing daemon is a failure, not a skip, so that a
 * broken provisioning step cannot turn the suite green.
 */
export function requireDaemons(...hosts: string[]): boolean {
  const missing = hosts.filter((h) => !daemonUp(h));
  if (missing.length === 0) return true;
  if (process.env.CI === 'true')
    throw new Error(`CI=true but no Docker daemon answers at ${missing.join(', ')}; run scripts/provision.sh`);
  return false;
}

export function docker(host: string, args: string[], input?: string): string {
  return execFileSync('docker', ['-H', host, ...args], {
    input,
    encoding: 'utf8',
    maxBuffer: 1 << 28,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
}

export function daemonFor(host: string): DockerDaemon {
  return new DockerDaemon(host);
}

export function skopeoRaw(ref: string): unknown {
  return JSON.parse(execFileSync('skopeo', ['inspect', '--raw', '--tls-verify=false', ref], { encoding: 'utf8' }));
}

interface RawManifest {
  manifests?: { digest: string; platform?: { os: string; architecture: string } }[];
  layers: { digest: string; size: number; mediaType: string }[];
  config: { digest: string; size: number };
}

/** The platform manifest skopeo reads for `docker://REPO:TAG`, following an index to linux/amd64. */
export function skopeoManifest(ref: string, arch = 'amd64'): RawManifest {
  const raw = skopeoRaw(ref) as RawManifest;
  if (!raw.manifests) return raw;
  const d = raw.manifests.find((m) => m.platform?.os === 'linux' && m.platform.architecture === arch)!;
  return skopeoRaw(`${ref.replace(/:[^:/]+$/, '')}@${d.digest}`) as RawManifest;
}

/**
 * argv for `skopeo copy` into a loopback registry (plain http) with its credentials: every platform of an index
 * when the source is a registry, the one image of an archive otherwise.
 */
export function skopeoCopyArgs(src: string, dest: string, creds: string): string[] {
  const fromRegistry = src.startsWith('docker://');
  return [
    'copy',
    '--quiet',
    ...(fromRegistry ? ['--all', '--src-tls-verify=false'] : []),
    '--dest-tls-verify=false',
    '--dest-creds',
    creds,
    src,
    dest,
  ];
}

/** A build context in a temp dir; returns its path and a cleanup function. */
export function context(files: Record<string, string | Buffer>): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'dsg-ctx-'));
  for (const [name, data] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), data);
  }
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export function buildx(host: string, dir: string, args: string[]): void {
  docker(host, ['buildx', 'build', '--progress=quiet', ...args, dir]);
}

/** Entries of a tar read by GNU tar itself: the independent source for sizes and counts. */
export function gnuTarListing(tarPath: string, member?: string): { type: string; size: number; name: string }[] {
  // gzip -dcf passes uncompressed blobs through unchanged
  const out = member
    ? execFileSync('bash', ['-c', `tar -xOf "$0" "$1" | gzip -dcf | tar -tvf -`, tarPath, member], {
        encoding: 'utf8',
        maxBuffer: 1 << 28,
      })
    : execFileSync('tar', ['-tvf', tarPath], { encoding: 'utf8', maxBuffer: 1 << 28 });
  return out
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      // Device nodes show major,minor where other entries show their size: they have no content.
      const m = /^(\S)\S*\s+\S+\s+(\d+|\d+,\d+)\s+\S+\s+\S+\s+(.*)$/.exec(line)!;
      return { type: m[1]!, size: m[2]!.includes(',') ? 0 : Number(m[2]), name: m[3]! };
    });
}

export function tarMember(tarPath: string, member: string): Buffer {
  return execFileSync('tar', ['-xOf', tarPath, member], { maxBuffer: 1 << 30 });
}
