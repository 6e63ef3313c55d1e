import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UserError } from '../../src/errors.js';
import { DockerDaemon } from '../../src/sources/daemon.js';
import { engineEndpoint, engineGet, engineJson, type EngineEndpoint } from '../../src/sources/engine-api.js';
import { randomBytes } from '../helpers/archives.js';

/**
 * A stand-in Engine API on a unix socket, served by node:http (an independent HTTP implementation): chunked bodies
 * in uneven writes, JSON, errors, and a daemon that dies mid-answer. The real daemons are in the integration tests.
 */
const dir = mkdtempSync(join(tmpdir(), 'dsg-engine-'));
const socket = join(dir, 'docker.sock');
const save = randomBytes(3_000_000, 5);
let server: Server;

beforeAll(async () => {
  server = createServer((req, res) => {
    const url = new URL(req.url!, 'http://docker');
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
  });
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

  it('reads JSON answers, and names the daemon and the image when it has none', async () => {
    expect(await engineJson(endpoint, '/images/app%3A1/json')).toEqual({ Id: 'sha256:abc', Size: 42 });
    const daemon = new DockerDaemon(`unix://${socket}`);
    expect(await daemon.store('x')).toBe('containerd');
    expect((await daemon.inspect('app:1', 'x')).Size).toBe(42);
    await expect(daemon.inspect('nope', 'image nope')).rejects.toThrow(
      new UserError(`image nope: no such image in the daemon at unix://${socket}`),
    );
  });

  it('a daemon that dies mid-answer, or is not there, is one clear error', async () => {
    const daemon = new DockerDaemon(`unix://${socket}`);
    await expect(daemon.save(['dies'], 'image dies', { write() {} })).rejects.toThrow(
      /image dies: Docker daemon unreachable at unix:\/\/.*\(ECONNRESET\)/,
    );
    const absent = new DockerDaemon(`unix://${join(dir, 'absent.sock')}`);
    await expect(absent.store('x')).rejects.toThrow(/x: Docker daemon unreachable at .*absent\.sock \(ENOENT\)/);
  });

  it('a reader that fails stops the save with its own error', async () => {
    const daemon = new DockerDaemon(`unix://${socket}`);
    const failing = {
      write() {
        throw new UserError('archive: truncated or corrupt archive (checksum failure)');
      },
    };
    await expect(daemon.save(['app:1', 'base:2'], 'x', failing)).rejects.toThrow(/checksum failure/);
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
    expect(() => engineEndpoint({ DOCKER_HOST: 'ssh://me@host' })).toThrow(
      /DOCKER_HOST ssh:\/\/me@host: only unix:\/\/ and tcp:\/\//,
    );
  });
});
