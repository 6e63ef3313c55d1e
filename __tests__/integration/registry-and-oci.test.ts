import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildInputs } from '../helpers/inputs.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildImage } from '../../src/buildx/build-image.js';
import { measureImage } from '../../src/engine.js';
import { UserError } from '../../src/errors.js';
import { startTokenServer, TOKEN_PASSWORD, TOKEN_USER } from '../helpers/token-server.js';
import { startTlsRegistry } from '../helpers/tls-proxy.js';
import {
  CLASSIC,
  CONTAINERD,
  REGISTRY,
  buildx,
  context,
  gnuTarListing,
  requireDaemons,
  skopeoCopyArgs,
  skopeoManifest,
  skopeoRaw,
} from '../helpers/docker.js';

const ready = requireDaemons(CLASSIC, CONTAINERD);
const execFileAsync = promisify(execFile);
const tmp = mkdtempSync(join(tmpdir(), 'dsg-reg-'));
const REPO = `${REGISTRY}/dsg-itest-reg`;
const TAG = `p${process.pid}`;

// Cross-compiling shape: RUN only on the build platform, the target stage only copies (no emulation here).
const MULTI = `FROM --platform=$BUILDPLATFORM busybox AS build
ARG TARGETARCH
RUN mkdir /out && echo "built for $TARGETARCH" > /out/arch.txt && head -c $([ "$TARGETARCH" = arm64 ] && echo 200000 || echo 100000) /dev/urandom > /out/payload
FROM scratch
COPY --from=build /out /app
`;

describe.skipIf(!ready)('registry and OCI sources', () => {
  beforeAll(() => {
    const ctx = context({ Dockerfile: MULTI });
    try {
      // The containerd store's push writes the tag twice at once (BuildKit, then the daemon's own HEAD check), and
      // Debian's registry (distribution 2.8, filesystem driver) can answer that read with a 500 while the link file
      // is half written: seen once in CI. One retry; the second push finds the blobs there.
      const push = () =>
        buildx(CONTAINERD, ctx.dir, ['--platform', 'linux/amd64,linux/arm64', '--push', '-t', `${REPO}:${TAG}`]);
      try {
        push();
      } catch {
        push();
      }
      buildx(CONTAINERD, ctx.dir, [
        '--platform',
        'linux/amd64,linux/arm64',
        '--output',
        `type=oci,dest=${join(tmp, 'multi.tar')}`,
      ]);
    } finally {
      ctx.cleanup();
    }
  });
  afterAll(() => {
    rmSync(tmp, { recursive: true, force: true });
    // The containerd store keeps what the docker driver pushed: remove it, or every run leaves a tag behind.
    spawnSync('docker', ['image', 'rm', `${REPO}:${TAG}`], {
      env: { ...process.env, DOCKER_HOST: CONTAINERD },
      stdio: 'ignore',
    });
  });

  it('reads manifests only (--no-files) and agrees with skopeo; attestations are not images', async () => {
    const index = skopeoRaw(`docker://${REPO}:${TAG}`) as { manifests: { platform: { architecture: string } }[] };
    expect(index.manifests.map((m) => m.platform.architecture)).toContain('unknown'); // buildx pushed attestations
    for (const arch of ['amd64', 'arm64']) {
      const truth = skopeoManifest(`docker://${REPO}:${TAG}`, arch);
      const r = await measureImage(`docker://${REPO}:${TAG}`, {
        files: false,
        compressedEstimate: true,
        platform: { os: 'linux', architecture: arch },
      });
      expect(r.platform).toBe(`linux/${arch}`);
      expect(r.configDigest).toBe(truth.config.digest);
      expect(r.layers.map((l) => [l.digest, l.compressedBytes])).toEqual(truth.layers.map((l) => [l.digest, l.size]));
      expect(r.compressedBytes).toBe(truth.layers.reduce((n, l) => n + l.size, 0) + truth.config.size);
      expect(r.compressedIsEstimate).toBe(false);
      expect(r.uncompressedBytes).toBeNull();
      expect(r.waste).toBeNull();
    }
  });

  it('downloads layers for the file-level pass and finds the payload sizes the Dockerfile wrote', async () => {
    for (const [arch, payload] of [
      ['amd64', 100000],
      ['arm64', 200000],
    ] as const) {
      const r = await measureImage(`docker://${REPO}:${TAG}`, {
        files: true,
        compressedEstimate: true,
        platform: { os: 'linux', architecture: arch },
      });
      execFileSync('skopeo', [
        'copy',
        '--quiet',
        '--src-tls-verify=false',
        '--override-arch',
        arch,
        `docker://${REPO}:${TAG}`,
        `oci-archive:${join(tmp, arch + '.tar')}`,
      ]);
      const truth = skopeoManifest(`docker://${REPO}:${TAG}`, arch);
      const listing = gnuTarListing(join(tmp, arch + '.tar'), `blobs/sha256/${truth.layers[0]!.digest.slice(7)}`);
      expect(r.layers[0]!.files).toBe(listing.length);
      expect(r.contentBytes).toBe(listing.filter((e) => e.type === '-').reduce((n, e) => n + e.size, 0));
      expect(listing.find((e) => e.name.endsWith('payload'))!.size).toBe(payload);
    }
  });

  it('reads a multi-platform buildx OCI archive, per platform', async () => {
    const archive = join(tmp, 'multi.tar');
    const index = JSON.parse(execFileSync('tar', ['-xOf', archive, 'index.json'], { encoding: 'utf8' }));
    const top = JSON.parse(
      execFileSync('tar', ['-xOf', archive, `blobs/sha256/${index.manifests[0].digest.slice(7)}`], {
        encoding: 'utf8',
      }),
    );
    for (const arch of ['amd64', 'arm64']) {
      const d = top.manifests.find((m: { platform: { architecture: string } }) => m.platform.architecture === arch);
      const manifest = JSON.parse(
        execFileSync('tar', ['-xOf', archive, `blobs/sha256/${d.digest.slice(7)}`], { encoding: 'utf8' }),
      );
      const r = await measureImage(`oci-archive:${archive}`, {
        files: true,
        compressedEstimate: true,
        platform: { os: 'linux', architecture: arch },
      });
      expect(r.layers.map((l) => l.compressedBytes)).toEqual(manifest.layers.map((l: { size: number }) => l.size));
      expect(r.configDigest).toBe(manifest.config.digest);
    }
    await expect(
      measureImage(`oci-archive:${archive}`, {
        files: false,
        compressedEstimate: false,
        platform: { os: 'linux', architecture: 'riscv64' },
      }),
    ).rejects.toThrow(/no image for platform linux\/riscv64; it has linux\/amd64, linux\/arm64/);
  });

  it('authenticates with basic auth from the environment or the docker config, and names a 401 in one line', async () => {
    const secured = `127.0.0.1:5001/dsg-itest-auth:${TAG}`;
    execFileSync('skopeo', skopeoCopyArgs(`docker://${REPO}:${TAG}`, `docker://${secured}`, 'dsg:dsg-test-password'));
    const truth = skopeoManifest(`docker://${REPO}:${TAG}`, 'amd64');
    const o = { files: false, compressedEstimate: false, platform: { os: 'linux', architecture: 'amd64' } };
    const saved = { ...process.env };
    try {
      process.env.DOCKER_CONFIG = tmp; // no config.json there: anonymous
      delete process.env.DSG_REGISTRY_USERNAME;
      delete process.env.DSG_REGISTRY_PASSWORD;
      const err = await measureImage(`docker://${secured}`, o).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(UserError);
      expect((err as Error).message).toMatch(
        /^docker:\/\/127\.0\.0\.1:5001\/dsg-itest-auth:\S+: unauthorized \(401\); log in/,
      );

      process.env.DSG_REGISTRY_USERNAME = 'dsg';
      process.env.DSG_REGISTRY_PASSWORD = 'dsg-test-password';
      // Credentials from the environment belong to the host DSG_REGISTRY_HOST names, and to no other.
      process.env.DSG_REGISTRY_HOST = '127.0.0.1:5002';
      expect(((await measureImage(`docker://${secured}`, o).catch((e: unknown) => e)) as Error).message).toMatch(
        /unauthorized \(401\)/,
      );
      process.env.DSG_REGISTRY_HOST = '127.0.0.1:5001';
      expect((await measureImage(`docker://${secured}`, o)).compressedBytes).toBe(
        truth.layers.reduce((n, l) => n + l.size, 0) + truth.config.size,
      );

      delete process.env.DSG_REGISTRY_USERNAME;
      delete process.env.DSG_REGISTRY_PASSWORD;
      writeFileSync(
        join(tmp, 'config.json'),
        JSON.stringify({
          auths: { '127.0.0.1:5001': { auth: Buffer.from('dsg:dsg-test-password').toString('base64') } },
        }),
      );
      expect((await measureImage(`docker://${secured}`, o)).layers.map((l) => l.digest)).toEqual(
        truth.layers.map((l) => l.digest),
      );
    } finally {
      process.env = saved;
    }
  });

  it('authenticates with a bearer token from a token service, with the credentials it is given', async () => {
    const tokens = await startTokenServer();
    const secured = `127.0.0.1:5002/dsg-itest-token:${TAG}`;
    const saved = { ...process.env };
    try {
      // skopeo goes through the same token flow to put the image there (asynchronously: the token service answers
      // from this process).
      await execFileAsync(
        'skopeo',
        skopeoCopyArgs(`docker://${REPO}:${TAG}`, `docker://${secured}`, `${TOKEN_USER}:${TOKEN_PASSWORD}`),
      );
      const truth = skopeoManifest(`docker://${REPO}:${TAG}`, 'amd64');
      const o = { files: true, compressedEstimate: false, platform: { os: 'linux', architecture: 'amd64' } };
      process.env.DOCKER_CONFIG = tmp;
      process.env.DSG_REGISTRY_USERNAME = TOKEN_USER;
      process.env.DSG_REGISTRY_PASSWORD = 'wrong';
      process.env.DSG_REGISTRY_HOST = '127.0.0.1:5002';
      const err = await measureImage(`docker://${secured}`, o).catch((e: unknown) => e);
      expect((err as Error).message).toMatch(/unauthorized \(401\)/);
      process.env.DSG_REGISTRY_PASSWORD = TOKEN_PASSWORD;
      const before = tokens.requests.length;
      const r = await measureImage(`docker://${secured}`, o);
      expect(r.layers.map((l) => [l.digest, l.compressedBytes])).toEqual(truth.layers.map((l) => [l.digest, l.size]));
      expect(r.contentBytes).toBeGreaterThan(100000); // the layer blobs came through the token too
      expect(tokens.requests.slice(before).some((q) => q.includes('scope=repository%3Adsg-itest-token%3Apull'))).toBe(
        true,
      );
    } finally {
      process.env = saved;
      await tokens.stop();
    }
  });

  it('builds a multi-platform image to an OCI archive (the store cannot --load it) and measures one platform', async () => {
    const ctx = context({ Dockerfile: MULTI });
    const saved = process.env.DOCKER_HOST;
    process.env.DOCKER_HOST = CONTAINERD;
    try {
      const build = buildInputs({ platforms: ['linux/amd64', 'linux/arm64'] });
      const built = await buildImage(build, ctx.dir, `dsg-itest-oci:${TAG}`, tmp);
      expect(built.reference).toMatch(/^oci-archive:.*\.oci\.tar$/);
      const arm = await measureImage(built.reference, {
        files: true,
        compressedEstimate: true,
        platform: { os: 'linux', architecture: 'arm64' },
      });
      const amd = await measureImage(built.reference, {
        files: true,
        compressedEstimate: true,
        platform: { os: 'linux', architecture: 'amd64' },
      });
      // The Dockerfile writes 200,000 payload bytes for arm64 and 100,000 for amd64, plus "built for ARCH\n".
      expect(arm.contentBytes! - amd.contentBytes!).toBe(100_000 + 'arm64'.length - 'amd64'.length);
      expect(arm.compressedIsEstimate).toBe(false);
    } finally {
      process.env.DOCKER_HOST = saved;
      ctx.cleanup();
    }
  });

  it('over https (TLS on an address that is not loopback): the same report as over http, and a CA it does not trust is one line', async () => {
    const proxy = await startTlsRegistry(REGISTRY);
    const cli = join(import.meta.dirname, '../../dist/cli/index.js');
    const dsg = async (ref: string, ca: string) => {
      const r = await execFileAsync(process.execPath, [cli, 'measure', ref, '--format', 'json'], {
        env: { ...process.env, NODE_EXTRA_CA_CERTS: ca, DOCKER_CONFIG: tmp },
        maxBuffer: 64 * 1024 * 1024,
      }).catch((e: { code: number; stdout: string; stderr: string }) => e);
      return { code: 'code' in r ? r.code : 0, stdout: r.stdout, stderr: r.stderr };
    };
    try {
      const image = 'library/debian:bookworm-slim';
      const overHttp = await dsg(`docker://${REGISTRY}/${image}`, proxy.caFile);
      const overHttps = await dsg(`docker://${proxy.host}/${image}`, proxy.caFile);
      expect([overHttps.code, overHttps.stderr]).toEqual([0, '']);
      const named = (out: string, host: string) => out.split(host).join('REGISTRY');
      expect(named(overHttps.stdout, proxy.host)).toBe(named(overHttp.stdout, REGISTRY));
      const report = JSON.parse(overHttps.stdout) as { layers: { files: number }[] };
      expect(report.layers[0]!.files).toBeGreaterThan(1000); // every blob came through TLS
      const refused = await dsg(`docker://${proxy.host}/${image}`, proxy.otherCaFile);
      expect(refused.code).toBe(2);
      expect(refused.stderr).toBe(
        `error: docker://${proxy.host}/${image}: registry ${proxy.host} unreachable (UNABLE_TO_VERIFY_LEAF_SIGNATURE)\n`,
      );
    } finally {
      await proxy.stop();
    }
  });

  it('names a missing repository or tag (404) in one line', async () => {
    const err = await measureImage(`docker://${REPO}:no-such-tag`, { files: false, compressedEstimate: false }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(UserError);
    expect((err as Error).message).toBe(
      `docker://${REPO}:no-such-tag: manifest dsg-itest-reg:no-such-tag not found (404)`,
    );
  });

  it('says when the registry is unreachable', async () => {
    const err = await measureImage('docker://127.0.0.1:5999/x:y', { files: false, compressedEstimate: false }).catch(
      (e: unknown) => e,
    );
    expect((err as Error).message).toMatch(
      /^docker:\/\/127\.0\.0\.1:5999\/x:y: registry 127\.0\.0\.1:5999 unreachable \(ECONNREFUSED\)$/,
    );
  });
});
