import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { UserError } from '../errors.js';

/**
 * Which Docker Engine the docker CLI talks to, found the way it finds it: DOCKER_HOST, else the context that
 * DOCKER_CONTEXT names, else the config's `currentContext` (`docker context use`), else the default socket. A
 * context is read from the CLI's own store: `contexts/meta/<sha256 of its name>/meta.json` under the config
 * directory (DOCKER_CONFIG or ~/.docker), and its TLS files from `contexts/tls/<same>/docker/`. Colima, rootless
 * Docker, Docker Desktop and remote hosts are all contexts; buildx builds on the same one.
 */
export interface EngineTarget {
  /** unix:///…, tcp://…, ssh://… as the endpoint names it. */
  address: string;
  /** Where the address came from, for messages: `DOCKER_HOST`, `context colima`, or `default`. */
  from: string;
  /** A directory with ca.pem, cert.pem and key.pem for TLS, or null for none. */
  tlsDir: string | null;
  /** The context's SkipTLSVerify. */
  skipVerify: boolean;
}

export const DEFAULT_ENGINE = 'unix:///var/run/docker.sock';

/** The config directory the docker CLI reads: DOCKER_CONFIG, else ~/.docker. */
export function dockerConfigDir(env: NodeJS.ProcessEnv): string {
  return env.DOCKER_CONFIG || join(env.HOME || homedir(), '.docker');
}

function readJson(path: string, what: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return null;
  }
  // The files are small; a huge one is not the CLI's.
  if (text.length > 1024 * 1024) throw new UserError(`${what} (${path}) is larger than 1 MiB`);
  try {
    return JSON.parse(text);
  } catch {
    throw new UserError(`${what} (${path}) is not JSON`);
  }
}

/** The context a `docker context use` left in config.json, or '' when none. */
function currentContext(configDir: string): string {
  const config = readJson(join(configDir, 'config.json'), 'the docker config') as { currentContext?: unknown } | null;
  return typeof config?.currentContext === 'string' ? config.currentContext : '';
}

/** The Docker endpoint of a context's meta.json, as the CLI stores it. Pure. */
export function contextHost(meta: unknown): { host: string; skipVerify: boolean } | null {
  const docker = (meta as { Endpoints?: { docker?: { Host?: unknown; SkipTLSVerify?: unknown } } } | null)?.Endpoints
    ?.docker;
  if (typeof docker?.Host !== 'string' || docker.Host === '') return null;
  return { host: docker.Host, skipVerify: docker.SkipTLSVerify === true };
}

export function resolveEngine(env: NodeJS.ProcessEnv = process.env): EngineTarget {
  if (env.DOCKER_HOST) {
    const tls = Boolean(env.DOCKER_TLS_VERIFY) || Boolean(env.DOCKER_CERT_PATH);
    return {
      address: env.DOCKER_HOST,
      from: 'DOCKER_HOST',
      tlsDir: tls ? env.DOCKER_CERT_PATH || dockerConfigDir(env) : null,
      skipVerify: false,
    };
  }
  const configDir = dockerConfigDir(env);
  const name = env.DOCKER_CONTEXT || currentContext(configDir) || 'default';
  if (name === 'default') return { address: DEFAULT_ENGINE, from: 'default', tlsDir: null, skipVerify: false };
  const id = createHash('sha256').update(name).digest('hex');
  const meta = readJson(join(configDir, 'contexts', 'meta', id, 'meta.json'), `docker context '${name}'`);
  if (meta === null)
    throw new UserError(
      `docker context '${name}' (${env.DOCKER_CONTEXT ? 'DOCKER_CONTEXT' : `currentContext in ${join(configDir, 'config.json')}`}) does not exist`,
    );
  const endpoint = contextHost(meta);
  if (!endpoint) throw new UserError(`docker context '${name}' has no Docker endpoint`);
  const tlsDir = join(configDir, 'contexts', 'tls', id, 'docker');
  return {
    address: endpoint.host,
    from: `context ${name}`,
    tlsDir: existsSync(join(tlsDir, 'ca.pem')) || existsSync(join(tlsDir, 'cert.pem')) ? tlsDir : null,
    skipVerify: endpoint.skipVerify,
  };
}
