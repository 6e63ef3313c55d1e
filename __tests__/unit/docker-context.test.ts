/**
 * How the engine is chosen, on a config directory laid out as the docker CLI writes it (the integration test holds
 * the layout to the CLI's own `docker context create`): precedence, TLS material, and one line for what is wrong.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { contextHost, resolveEngine } from '../../src/sources/docker-context.js';

const dir = mkdtempSync(join(tmpdir(), 'dsg-ctx-unit-'));
const id = (name: string) => createHash('sha256').update(name).digest('hex');
function context(name: string, host: string, tls = false, skip = false) {
  const meta = join(dir, 'contexts', 'meta', id(name));
  mkdirSync(meta, { recursive: true });
  writeFileSync(
    join(meta, 'meta.json'),
    JSON.stringify({ Name: name, Metadata: {}, Endpoints: { docker: { Host: host, SkipTLSVerify: skip } } }),
  );
  if (tls) {
    const t = join(dir, 'contexts', 'tls', id(name), 'docker');
    mkdirSync(t, { recursive: true });
    for (const f of ['ca.pem', 'cert.pem', 'key.pem']) writeFileSync(join(t, f), f);
  }
}
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the engine the docker CLI would talk to', () => {
  context('colima', 'unix:///home/u/.colima/default/docker.sock');
  context('remote', 'tcp://10.0.0.5:2376', true, true);
  const env = { DOCKER_CONFIG: dir };

  it('DOCKER_HOST first, then DOCKER_CONTEXT, then the config’s currentContext, then the default socket', () => {
    expect(resolveEngine(env)).toMatchObject({ address: 'unix:///var/run/docker.sock', from: 'default' });
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ currentContext: 'colima' }));
    expect(resolveEngine(env)).toMatchObject({
      address: 'unix:///home/u/.colima/default/docker.sock',
      from: 'context colima',
    });
    expect(resolveEngine({ ...env, DOCKER_CONTEXT: 'remote' })).toMatchObject({ from: 'context remote' });
    expect(resolveEngine({ ...env, DOCKER_CONTEXT: 'default' })).toMatchObject({ from: 'default' });
    expect(resolveEngine({ ...env, DOCKER_CONTEXT: 'remote', DOCKER_HOST: 'unix:///x.sock' })).toMatchObject({
      address: 'unix:///x.sock',
      from: 'DOCKER_HOST',
      tlsDir: null,
    });
    rmSync(join(dir, 'config.json'));
  });

  it("a context's TLS files and SkipTLSVerify; DOCKER_CERT_PATH for DOCKER_HOST", () => {
    expect(resolveEngine({ ...env, DOCKER_CONTEXT: 'remote' })).toEqual({
      address: 'tcp://10.0.0.5:2376',
      from: 'context remote',
      tlsDir: join(dir, 'contexts', 'tls', id('remote'), 'docker'),
      skipVerify: true,
    });
    expect(resolveEngine({ ...env, DOCKER_CONTEXT: 'colima' }).tlsDir).toBeNull();
    expect(
      resolveEngine({ DOCKER_HOST: 'tcp://h:2376', DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: '/certs' }).tlsDir,
    ).toBe('/certs');
  });

  it('what is wrong is one line naming it', () => {
    expect(() => resolveEngine({ ...env, DOCKER_CONTEXT: 'gone' })).toThrow(
      "docker context 'gone' (DOCKER_CONTEXT) does not exist",
    );
    writeFileSync(join(dir, 'config.json'), '{not json');
    expect(() => resolveEngine(env)).toThrow(`the docker config (${join(dir, 'config.json')}) is not JSON`);
    rmSync(join(dir, 'config.json'));
    expect(contextHost({ Endpoints: { docker: { Host: '' } } })).toBeNull();
    expect(contextHost(null)).toBeNull();
  });
});
