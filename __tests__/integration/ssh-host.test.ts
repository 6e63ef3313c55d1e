/**
 * An `ssh://` Docker host, reached through a real sshd on loopback (Debian's openssh-server, started by
 * provisioning on 127.0.0.1:2222) and `docker system dial-stdio` at the other end, as the docker CLI reaches one.
 * The user is a developer with a HOME of the test's own: the key provisioning made, and the host key as OpenSSH's
 * ssh-keyscan records it. What comes back is held to the docker CLI's own answer over the same host (the docker CLI
 * and buildx run the system's ssh, which reads the passwd entry's home and not HOME: an `ssh` first on PATH points
 * it at this HOME's config).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLASSIC, docker, requireDaemons } from '../helpers/docker.js';
import { gitRepo } from '../helpers/git-repo.js';

const SSH = 'ssh://root@127.0.0.1:2222';
const KEY = '/var/cache/docker-size-guard/ssh/id_ed25519';
const scan = spawnSync('ssh-keyscan', ['-T', '3', '-p', '2222', '127.0.0.1'], { encoding: 'utf8' });
const sshd = scan.status === 0 && scan.stdout.includes('ssh-ed25519');
if (!sshd && process.env.CI === 'true')
  throw new Error('CI=true but no sshd answers on 127.0.0.1:2222; run scripts/provision.sh');
const ready = requireDaemons(CLASSIC) && sshd;
const cli = join(import.meta.dirname, '../../dist/cli/index.js');
const tmp = mkdtempSync(join(tmpdir(), 'dsg-ssh-'));
const home = join(tmp, 'home');

/** A developer's environment: no DOCKER_HOST, no agent, a HOME with the key and the known host. */
const env = (extra: Record<string, string> = {}): Record<string, string> => {
  const PATH = `${join(tmp, 'bin')}:${process.env.PATH}`;
  const e = { ...process.env, HOME: home, PATH, DOCKER_CONFIG: join(home, '.docker'), ...extra } as Record<
    string,
    string
  >;
  delete e.SSH_AUTH_SOCK;
  if (!extra.DOCKER_HOST) delete e.DOCKER_HOST;
  return e;
};
const dsg = (args: string[], e: Record<string, string>, cwd?: string) =>
  spawnSync('node', [cli, ...args], { encoding: 'utf8', env: e, cwd, timeout: 300_000 });

describe.skipIf(!ready)('an ssh:// Docker host', () => {
  beforeAll(() => {
    mkdirSync(join(home, '.ssh'), { recursive: true });
    copyFileSync(KEY, join(home, '.ssh', 'id_ed25519'));
    chmodSync(join(home, '.ssh', 'id_ed25519'), 0o600);
    writeFileSync(join(home, '.ssh', 'known_hosts'), scan.stdout);
    const ssh = join(home, '.ssh');
    writeFileSync(
      join(ssh, 'config'),
      `Host 127.0.0.1\n  IdentityFile ${ssh}/id_ed25519\n  UserKnownHostsFile ${ssh}/known_hosts\n` +
        '  StrictHostKeyChecking yes\n  BatchMode yes\n',
    );
    mkdirSync(join(tmp, 'bin'));
    writeFileSync(join(tmp, 'bin', 'ssh'), '#!/bin/sh\nexec /usr/bin/ssh -F "$HOME/.ssh/config" "$@"\n', {
      mode: 0o755,
    });
    execFileSync('docker', ['context', 'create', 'dsg-ssh', '--docker', `host=${SSH}`], { env: env() });
  });
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('measure over DOCKER_HOST=ssh:// and over an ssh context reads what the local socket reads', () => {
    const local = dsg(['measure', 'busybox:latest', '--format', 'json'], env({ DOCKER_HOST: CLASSIC }));
    expect(local.status, local.stderr).toBe(0);
    const overSsh = dsg(['measure', 'busybox:latest', '--format', 'json'], env({ DOCKER_HOST: SSH }));
    expect(overSsh.status, overSsh.stderr).toBe(0);
    const viaContext = dsg(['measure', 'busybox:latest', '--format', 'json'], env({ DOCKER_CONTEXT: 'dsg-ssh' }));
    expect(viaContext.status, viaContext.stderr).toBe(0);
    const a = JSON.parse(local.stdout);
    for (const b of [JSON.parse(overSsh.stdout), JSON.parse(viaContext.stdout)]) {
      expect(b.layers).toEqual(a.layers);
      expect(b.configDigest).toBe(a.configDigest);
    }
    // The docker CLI's own ssh (the system's ssh client, the same HOME) sees the same image.
    const id = execFileSync('docker', ['--context', 'dsg-ssh', 'image', 'inspect', '-f', '{{.Id}}', 'busybox:latest'], {
      env: env(),
      encoding: 'utf8',
    }).trim();
    expect(a.configDigest).toBe(id);
    expect(id).toBe(docker(CLASSIC, ['image', 'inspect', '-f', '{{.Id}}', 'busybox:latest']).trim());
  });

  it('diff builds through the ssh context (buildx over the same host) and measures there', () => {
    const repo = join(tmp, 'repo');
    const { commit } = gitRepo(repo);
    execFileSync('git', ['init', '-q', '-b', 'main', repo]);
    commit({ Dockerfile: 'FROM busybox\nRUN echo base > /f\n' }, 'base');
    commit({ Dockerfile: 'FROM busybox\nRUN head -c 250000 /dev/zero > /f\n' }, 'grow');
    const r = dsg(['diff', '--base-ref', 'HEAD~1', '--format', 'json'], env({ DOCKER_CONTEXT: 'dsg-ssh' }), repo);
    expect(r.status, r.stderr).toBe(0);
    const c = JSON.parse(r.stdout);
    expect(c.head.source.builder).toEqual({ name: 'dsg-ssh', driver: 'docker' });
    expect(c.head.layers.at(-1).contentBytes).toBe(250_000);
  });

  it('a host whose key is not known, or a user without a key, is one line and exit 2', () => {
    writeFileSync(join(home, '.ssh', 'known_hosts'), '');
    const unknown = dsg(['measure', 'busybox:latest', '--no-files'], env({ DOCKER_HOST: SSH }));
    expect(unknown.status).toBe(2);
    expect(unknown.stderr.trim()).toBe(
      `error: docker-daemon:busybox:latest: the Docker host ${SSH} was not trusted: its host key is not in ` +
        '~/.ssh/known_hosts as [127.0.0.1]:2222 (connect once with ssh, or add `ssh-keyscan -p 2222 127.0.0.1`)',
    );
    writeFileSync(join(home, '.ssh', 'known_hosts'), scan.stdout);
    rmSync(join(home, '.ssh', 'id_ed25519'));
    const noKey = dsg(['measure', 'busybox:latest', '--no-files'], env({ DOCKER_HOST: SSH }));
    expect(noKey.status).toBe(2);
    expect(noKey.stderr.trim()).toBe(
      `error: docker-daemon:busybox:latest: cannot reach the Docker host ${SSH} over ssh ` +
        '(All configured authentication methods failed)',
    );
  });
});

// Said once, where the suite is read: not a skipped test per machine without it.
if (!sshd) console.warn('ssh-host tests not run: no sshd on 127.0.0.1:2222 (scripts/provision.sh starts it)');
