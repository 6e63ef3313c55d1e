import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { UserError } from '../../src/errors.js';
import { DockerDaemon } from '../../src/sources/daemon.js';
import { engineEndpoint, engineGet, type EngineEndpoint } from '../../src/sources/engine-api.js';
import { negotiateApiVersion } from '../../src/sources/engine-client.js';
import { randomBytes } from '../helpers/archives.js';
import { makeCa, signCertificate } from '../helpers/certs.js';

/**
 * A stand-in Engine API on a unix socket, served by node:http (an independent HTTP implementation): chunked bodies
 * in uneven writes, JSON, errors, and a daemon that dies mid-answer; it speaks API 1.43 and records the paths asked
 * for. The real daemons are in the integration tests.
 */
const dir = mkdtempSync(join(tmpdir(), 'dsg-engine-'));
const socket = join(dir, 'docker.sock');
const save = randomBytes(3_000_000, 5);
let server: Server;
const asked: string[] = [];

function engine(req: IncomingMessage, res: ServerResponse): unknown {
  {
    asked.push(req.url!);
    const url = new URL(req.url!, 'http://docker');
    if (url.pathname === '/version') return res.end(JSON.stringify({ ApiVersion: '1.43', MinAPIVersion: '1.24' }));
    // The versioned paths a negotiating client asks for; the unversioned ones of the reused-buffer reader.
    url.pathname = url.pathname.replace(/^\/v1\.43\//, '/');
    if (url.pathname === '/info')
      return res.end(JSON.stringify({ DriverStatus: [['driver-type', 'io.containerd.snapshotter.v1']] }));
    if (url.pathname === '/images/app%3A1/json' || url.pathname === '/images/app:1/json')
      return res.end(JSON.stringify({ Id: 'sha256:abc', Size: 42 }));
    if (url.pathname === '/images/get' && url.searchParams.getAll('names').join(',') === 'app:1,base:2') {
      // Uneven writes: chunk boundaries fall anywhere in the reader's buffer.
      let offset = 0;
      const next = () => {
        if (offset >= save.length) return res.end();
        const n = Math.min(save.length - offset, 1000 + ((offset * 7919) % 90_000));
        const more = res.write(save.subarray(offset, offset + n));
        offset += n;
        if (more) setImmediate(next);
        else res.once('drain', next);
      };
      return next();
    }
    if (url.pathname === '/images/get' && url.searchParams.get('names') === 'dies') {
      res.write(save.subarray(0, 100_000));
      return setTimeout(() => res.socket!.destroy(), 20);
    }
    res.statusCode = 404;
    res.end(JSON.stringify({ message: `No such image: ${url.pathname}` }));
  }
}

beforeAll(async () => {
  server = createServer(engine);
  await new Promise<void>((resolve) => server.listen(socket, resolve));
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  rmSync(dir, { recursive: true, force: true });
});

const endpoint: EngineEndpoint = { kind: 'unix', path: socket, address: `unix://${socket}`, from: 'DOCKER_HOST' };

describe('the Engine API client', () => {
  it('streams a save through a reused buffer, byte for byte, also when the reader makes it wait', async () => {
    for (const slow of [false, true]) {
      const hash = createHash('sha256');
      let bytes = 0;
      let calls = 0;
      await engineGet(endpoint, '/images/get?names=app%3A1&names=base%3A2', {
        write(chunk) {
          hash.update(chunk);
          bytes += chunk.length;
          calls += 1;
          if (slow && calls % 5 === 0) return new Promise((resolve) => setTimeout(resolve, 2));
        },
      });
      expect(bytes).toBe(save.length);
      expect(hash.digest('hex')).toBe(createHash('sha256').update(save).digest('hex'));
    }
  });

  it('control calls speak the API version the daemon reports when it is older than ours', async () => {
    asked.length = 0;
    const daemon = new DockerDaemon(`unix://${socket}`);
    expect(await daemon.store('x')).toBe('containerd');
    expect(asked).toEqual(['/version', '/v1.43/info']);
    // Asked once: an image it does not have is no reason to ask again.
    await expect(daemon.inspect('nope', 'nope')).rejects.toThrow(/no such image/);
    expect((await daemon.inspect('app:1', 'x')).Size).toBe(42);
    expect(asked.filter((p) => p === '/version')).toHaveLength(1);
    expect(negotiateApiVersion('1.43', 'd')).toBe('1.43');
    expect(negotiateApiVersion('1.99', 'd')).toBe('1.51');
    expect(negotiateApiVersion(undefined, 'd')).toBe('1.30');
    expect(() => negotiateApiVersion('1.12', 'unix:///x.sock')).toThrow(
      new UserError('unix:///x.sock: the daemon speaks Engine API 1.12, older than 1.30 (Docker 17.06)'),
    );
  });

  it('both readers of a save hand over the same bytes', async () => {
    for (const reader of ['buffer', 'dockerode'] as const) {
      const hash = createHash('sha256');
      await new DockerDaemon(`unix://${socket}`, reader).save(['app:1', 'base:2'], 'x', {
        write: (chunk) => void hash.update(chunk),
      });
      expect(hash.digest('hex')).toBe(createHash('sha256').update(save).digest('hex'));
    }
  });

  it('reads JSON answers, and names the daemon and the image when it has none', async () => {
    const daemon = new DockerDaemon(`unix://${socket}`);
    expect(await daemon.store('x')).toBe('containerd');
    expect((await daemon.inspect('app:1', 'x')).Size).toBe(42);
    await expect(daemon.inspect('nope', 'image nope')).rejects.toThrow(
      new UserError(`image nope: no such image in the daemon at unix://${socket}`),
    );
  });

  it('a daemon that dies mid-answer, or is not there, is one clear error', async () => {
    for (const reader of ['buffer', 'dockerode'] as const) {
      const daemon = new DockerDaemon(`unix://${socket}`, reader);
      await expect(daemon.save(['dies'], 'image dies', { write() {} })).rejects.toThrow(
        /image dies: Docker daemon (unreachable at unix:\/\/.*\(ECONNRESET\)|error: aborted)/,
      );
    }
    const absent = new DockerDaemon(`unix://${join(dir, 'absent.sock')}`);
    await expect(absent.store('x')).rejects.toThrow(/x: Docker daemon unreachable at .*absent\.sock \(ENOENT\)/);
  });

  it('a reader that fails stops the save with its own error', async () => {
    const failing = {
      write() {
        throw new UserError('archive: truncated or corrupt archive (checksum failure)');
      },
    };
    for (const reader of ['buffer', 'dockerode'] as const) {
      const daemon = new DockerDaemon(`unix://${socket}`, reader);
      await expect(daemon.save(['app:1', 'base:2'], 'x', failing)).rejects.toThrow(/checksum failure/);
    }
  });

  it('finds the daemon as the docker CLI does: DOCKER_HOST, TLS files, and a clear line for what it cannot use', () => {
    expect(engineEndpoint({})).toMatchObject({ kind: 'unix', path: '/var/run/docker.sock' });
    expect(engineEndpoint({ DOCKER_HOST: 'tcp://10.0.0.5' })).toMatchObject({
      host: '10.0.0.5',
      port: 2375,
      tls: null,
    });
    expect(engineEndpoint({ DOCKER_HOST: 'tcp://[::1]:2000' })).toMatchObject({ host: '::1', port: 2000 });
    for (const name of ['ca.pem', 'cert.pem', 'key.pem']) writeFileSync(join(dir, name), name);
    const tls = engineEndpoint({ DOCKER_HOST: 'tcp://docker:2376', DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: dir });
    expect(tls).toMatchObject({ host: 'docker', port: 2376 });
    expect(tls.kind === 'tcp' && tls.tls?.key.toString()).toBe('key.pem');
    expect(() =>
      engineEndpoint({ DOCKER_HOST: 'tcp://docker', DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: '/nonexistent' }),
    ).toThrow(
      new UserError('DOCKER_CERT_PATH /nonexistent: cannot read ca.pem for the TLS connection to tcp://docker'),
    );
    expect(engineEndpoint({ DOCKER_HOST: 'ssh://me@host' })).toMatchObject({
      kind: 'ssh',
      host: 'host',
      port: 22,
      user: 'me',
    });
    expect(engineEndpoint({ DOCKER_HOST: 'ssh://[::1]:2222', USER: 'dev' })).toMatchObject({
      host: '::1',
      port: 2222,
      user: 'dev',
    });
    expect(() => engineEndpoint({ DOCKER_HOST: 'ssh://me@host/var/run/docker.sock' })).toThrow(
      new UserError(
        'DOCKER_HOST ssh://me@host/var/run/docker.sock: an ssh:// host takes only a user, a host and a port',
      ),
    );
    expect(() => engineEndpoint({ DOCKER_HOST: 'npipe:////./pipe/docker_engine' })).toThrow(
      /DOCKER_HOST npipe:.*: only unix:\/\/, tcp:\/\/ and ssh:\/\/ hosts are supported/,
    );
  });

  it('tcp:// with TLS as dockerd --tlsverify wants it (client certificates), SkipTLSVerify, and a wrong CA', async () => {
    const certs = join(dir, 'certs');
    const other = join(dir, 'other');
    for (const d of [certs, other]) makeCa(d);
    const sign = (name: string, cn: string, ext: string) => signCertificate(certs, name, cn, ext);
    sign('server', 'localhost', 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
    sign('cert', 'client', 'extendedKeyUsage=clientAuth\n');
    execFileSync('cp', [join(certs, 'cert-key.pem'), join(certs, 'key.pem')]);
    const read = (f: string) => readFileSync(join(certs, f));
    const tls = createTlsServer(
      {
        key: read('server-key.pem'),
        cert: read('server.pem'),
        ca: read('ca.pem'),
        requestCert: true,
        rejectUnauthorized: true,
      },
      engine,
    );
    await new Promise<void>((resolve) => tls.listen(0, '127.0.0.1', resolve));
    const host = `tcp://127.0.0.1:${(tls.address() as AddressInfo).port}`;
    try {
      vi.stubEnv('DOCKER_TLS_VERIFY', '1');
      vi.stubEnv('DOCKER_CERT_PATH', certs);
      expect(await new DockerDaemon(host).store('x')).toBe('containerd');
      const hash = createHash('sha256');
      await new DockerDaemon(host).save(['app:1', 'base:2'], 'x', { write: (c) => void hash.update(c) });
      expect(hash.digest('hex')).toBe(createHash('sha256').update(save).digest('hex'));
      // A CA that did not sign the server's certificate: refused, in one line.
      for (const f of ['cert.pem', 'key.pem']) execFileSync('cp', [join(certs, f), join(other, f)]);
      vi.stubEnv('DOCKER_CERT_PATH', other);
      await expect(new DockerDaemon(host).store('x')).rejects.toThrow(
        /^x: Docker daemon error: .*(self-signed|unable to verify|certificate)/i,
      );
      // The save, read into the reused buffer over TLS as well, checks the certificate the same way.
      await expect(new DockerDaemon(host).save(['app:1', 'base:2'], 'x', { write: () => {} })).rejects.toThrow(
        /^x: .*(self-signed|unable to verify|certificate)/i,
      );
      // SkipTLSVerify (a context's): the client certificate still goes, the server's is not checked.
      const config = join(dir, 'config');
      const id = createHash('sha256').update('skip').digest('hex');
      execFileSync('mkdir', [
        '-p',
        join(config, 'contexts', 'meta', id),
        join(config, 'contexts', 'tls', id, 'docker'),
      ]);
      writeFileSync(
        join(config, 'contexts', 'meta', id, 'meta.json'),
        JSON.stringify({ Name: 'skip', Endpoints: { docker: { Host: host, SkipTLSVerify: true } } }),
      );
      for (const f of ['cert.pem', 'key.pem'])
        execFileSync('cp', [join(certs, f), join(config, 'contexts', 'tls', id, 'docker', f)]);
      vi.unstubAllEnvs();
      vi.stubEnv('DOCKER_HOST', '');
      vi.stubEnv('DOCKER_CONFIG', config);
      vi.stubEnv('DOCKER_CONTEXT', 'skip');
      expect(await new DockerDaemon().store('x')).toBe('containerd');
    } finally {
      vi.unstubAllEnvs();
      await new Promise((resolve) => tls.close(resolve));
    }
  });

  it('plain tcp:// with both readers', async () => {
    const plain = createServer(engine);
    await new Promise<void>((resolve) => plain.listen(0, '127.0.0.1', resolve));
    try {
      const host = `tcp://127.0.0.1:${(plain.address() as AddressInfo).port}`;
      expect(await new DockerDaemon(host).store('x')).toBe('containerd');
      for (const reader of ['buffer', 'dockerode'] as const) {
        const hash = createHash('sha256');
        await new DockerDaemon(host, reader).save(['app:1', 'base:2'], 'x', { write: (c) => void hash.update(c) });
        expect(hash.digest('hex')).toBe(createHash('sha256').update(save).digest('hex'));
      }
    } finally {
      await new Promise((resolve) => plain.close(resolve));
    }
  });
});
