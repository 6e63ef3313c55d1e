import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { UserError } from '../errors.js';
import { DIGEST_PATTERN, digestOf } from '../util/digest.js';
import { bodyChunks, defaultLimits, get, readDocument, type Fetched, type HttpLimits } from './http.js';
import { MEDIA_TYPES } from '../model/oci.js';
import type { LayoutAccess } from './layout.js';

export interface RegistryName {
  registry: string;
  repository: string;
  reference: string;
}

const MANIFEST_ACCEPT = [
  MEDIA_TYPES.ociIndex,
  MEDIA_TYPES.ociManifest,
  MEDIA_TYPES.dockerList,
  MEDIA_TYPES.dockerManifest,
].join(', ');

/** `HOST/REPO[:TAG|@DIGEST]`, with Docker Hub's defaults for short names. */
export function parseRegistryName(name: string): RegistryName {
  let rest = name;
  let reference = 'latest';
  const at = rest.indexOf('@');
  if (at >= 0) {
    reference = rest.slice(at + 1);
    rest = rest.slice(0, at);
  } else {
    const colon = rest.lastIndexOf(':');
    if (colon > rest.lastIndexOf('/')) {
      reference = rest.slice(colon + 1);
      rest = rest.slice(0, colon);
    }
  }
  const slash = rest.indexOf('/');
  const first = slash >= 0 ? rest.slice(0, slash) : '';
  const hasHost = slash >= 0 && (first.includes('.') || first.includes(':') || first === 'localhost');
  let registry = hasHost ? first : 'docker.io';
  let repository = hasHost ? rest.slice(slash + 1) : rest;
  if (registry === 'docker.io' || registry === 'index.docker.io') {
    registry = 'registry-1.docker.io';
    if (!repository.includes('/')) repository = `library/${repository}`;
  }
  if (!repository || !/^[a-z0-9]+(?:[._/-][a-z0-9]+)*$/.test(repository)) {
    throw new UserError(`Invalid image reference 'docker://${name}': bad repository name`);
  }
  return { registry, repository, reference };
}

function isLoopback(host: string): boolean {
  const h = host.replace(/:\d+$/, '');
  return h === 'localhost' || h.startsWith('127.') || h === '[::1]';
}

interface Credentials {
  username: string;
  password: string;
}

/** Manifests are at most 4 MiB by the distribution spec; configs hold history and stay far below 8 MiB. */
export const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;
export const MAX_CONFIG_BYTES = 8 * 1024 * 1024;
const MAX_TOKEN_BYTES = 64 * 1024;

/**
 * Credentials for one registry host, as the docker CLI keys them: DSG_REGISTRY_USERNAME / DSG_REGISTRY_PASSWORD
 * only for the host DSG_REGISTRY_HOST names, else the entry for that host in ~/.docker/config.json. Never for
 * another host, whatever an image reference names.
 */
export function findCredentials(registry: string, env: NodeJS.ProcessEnv = process.env): Credentials | undefined {
  const { DSG_REGISTRY_USERNAME: username, DSG_REGISTRY_PASSWORD: password, DSG_REGISTRY_HOST: host } = env;
  const hostOf = (h: string) => (h === 'docker.io' || h === 'index.docker.io' ? 'registry-1.docker.io' : h);
  if (username && password && host && hostOf(host.trim()) === registry) return { username, password };
  try {
    const dir = env.DOCKER_CONFIG || join(homedir(), '.docker');
    const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as {
      auths?: Record<string, { auth?: string; username?: string; password?: string }>;
    };
    const keys =
      registry === 'registry-1.docker.io'
        ? ['https://index.docker.io/v1/', 'docker.io']
        : [registry, `https://${registry}`, `http://${registry}`];
    for (const key of keys) {
      const a = config.auths && Object.hasOwn(config.auths, key) ? config.auths[key] : undefined;
      if (typeof a?.auth === 'string') {
        const decoded = Buffer.from(a.auth, 'base64').toString('utf8');
        const i = decoded.indexOf(':');
        if (i > 0) return { username: decoded.slice(0, i), password: decoded.slice(i + 1) };
      }
      if (typeof a?.username === 'string' && typeof a.password === 'string')
        return { username: a.username, password: a.password };
    }
  } catch {
    // no config file: anonymous
  }
  return undefined;
}

function parseChallenge(header: string): { scheme: string; params: Record<string, string> } {
  const scheme = header.split(' ')[0]!.toLowerCase();
  const params: Record<string, string> = {};
  for (const m of header.matchAll(/(\w+)="([^"]*)"/g)) params[m[1]!] = m[2]!;
  return { scheme, params };
}

export interface RegistryOptions {
  /** False for references a PR's own config names under a write token: anonymous only. */
  credentials?: boolean;
  limits?: HttpLimits;
}

/** A Registry HTTP API v2 client for reading manifests and blobs, with anonymous, basic and bearer auth. */
export class RegistryClient implements LayoutAccess {
  private authorization: string | undefined;
  private readonly base: string;
  private readonly credentials: Credentials | undefined;
  private readonly limits: HttpLimits;
  private top: { digest: string; mediaType: string; size: number; body: Buffer } | undefined;
  private readonly documents = new Map<string, Buffer>();

  constructor(
    readonly name: RegistryName,
    private readonly what: string,
    options: RegistryOptions = {},
  ) {
    this.base = `${isLoopback(name.registry) ? 'http' : 'https'}://${name.registry}/v2/${name.repository}`;
    this.credentials = options.credentials === false ? undefined : findCredentials(name.registry);
    this.limits = options.limits ?? defaultLimits();
  }

  private async request(path: string, accept: string): Promise<Fetched> {
    const attempt = () =>
      get(
        `${this.base}${path}`,
        { Accept: accept, ...(this.authorization ? { Authorization: this.authorization } : {}) },
        this.limits,
        this.what,
      );
    let res = await attempt();
    if (res.status === 401 && !this.authorization) {
      res.cancel();
      await this.authenticate(res.headers.get('www-authenticate') ?? '');
      res = await attempt();
    }
    return res;
  }

  private async authenticate(challenge: string): Promise<void> {
    const { scheme, params } = parseChallenge(challenge);
    const creds = this.credentials;
    const basic = creds ? 'Basic ' + Buffer.from(`${creds.username}:${creds.password}`).toString('base64') : undefined;
    if (scheme === 'basic') {
      if (!basic) throw this.unauthorized();
      this.authorization = basic;
      return;
    }
    if (scheme === 'bearer' && params.realm) {
      let url: URL;
      try {
        url = new URL(params.realm);
      } catch {
        throw new UserError(`${this.what}: the registry's token realm is not a URL`);
      }
      if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopback(url.host)))
        throw new UserError(`${this.what}: the registry's token realm ${url.protocol} is not https`);
      if (params.service) url.searchParams.set('service', params.service);
      url.searchParams.set('scope', `repository:${this.name.repository}:pull`);
      // The realm is the registry's own token service: the credentials for this registry go there, as docker does.
      const res = await get(url.href, basic ? { Authorization: basic } : {}, this.limits, this.what);
      if (res.status < 200 || res.status >= 300) {
        res.cancel();
        throw this.unauthorized();
      }
      const body = parseJson(
        await readDocument(res, MAX_TOKEN_BYTES, this.limits, `${this.what}: token`),
        `${this.what}: token`,
      ) as {
        token?: unknown;
        access_token?: unknown;
      } | null;
      const token = body?.token ?? body?.access_token;
      if (typeof token !== 'string' || !/^[\x21-\x7e]{1,8192}$/.test(token)) throw this.unauthorized();
      this.authorization = `Bearer ${token}`;
      return;
    }
    throw this.unauthorized();
  }

  private unauthorized(): UserError {
    return new UserError(
      `${this.what}: unauthorized (401); log in with docker login, or set DSG_REGISTRY_HOST, DSG_REGISTRY_USERNAME and DSG_REGISTRY_PASSWORD`,
    );
  }

  private fail(res: Fetched, what: string): UserError {
    res.cancel();
    if (res.status === 401 || res.status === 403) return this.unauthorized();
    if (res.status === 404) return new UserError(`${this.what}: ${what} not found (404)`);
    return new UserError(`${this.what}: registry answered ${res.status} for ${what}`);
  }

  private ok(res: Fetched): boolean {
    return res.status >= 200 && res.status < 300;
  }

  private async fetchTop(): Promise<void> {
    if (this.top) return;
    const what = `manifest ${this.name.repository}:${this.name.reference}`;
    const res = await this.request(`/manifests/${this.name.reference}`, MANIFEST_ACCEPT);
    if (!this.ok(res)) throw this.fail(res, what);
    const body = await readDocument(res, MAX_MANIFEST_BYTES, this.limits, `${this.what}: ${what}`);
    // A digest reference must match what came; a tag is named by what came, never by the server's header.
    const pinned = DIGEST_PATTERN.test(this.name.reference) ? this.name.reference : null;
    const digest = digestOf(body, pinned ? pinned.split(':')[0]! : 'sha256');
    if (pinned && digest !== pinned)
      throw new UserError(`${this.what}: ${what} does not match its digest (got ${digest})`);
    const doc = parseJson(body, `${this.what}: ${what}`) as { mediaType?: unknown } | null;
    const header = res.headers.get('content-type')?.split(';')[0]?.trim();
    const mediaType = header || (typeof doc?.mediaType === 'string' ? doc.mediaType : '');
    this.top = { digest, mediaType, size: body.length, body };
    this.documents.set(digest, body);
  }

  /** The layout's index.json is synthesized from the tagged manifest; blobs are fetched by digest and verified. */
  async readJson(path: string, kind?: 'manifest' | 'config'): Promise<unknown | undefined> {
    await this.fetchTop();
    if (path === 'index.json') {
      const { digest, mediaType, size } = this.top!;
      return { schemaVersion: 2, manifests: [{ digest, mediaType, size }] };
    }
    const digest = path.replace(/^blobs\/([^/]+)\//, '$1:');
    if (!DIGEST_PATTERN.test(digest)) throw new UserError(`${this.what}: '${digest.slice(0, 80)}' is not a digest`);
    let body = this.documents.get(digest);
    if (!body) {
      const res = await this.request(
        kind === 'config' ? `/blobs/${digest}` : `/manifests/${digest}`,
        kind === 'config' ? '*/*' : MANIFEST_ACCEPT,
      );
      if (res.status === 404) {
        res.cancel();
        return undefined;
      }
      if (!this.ok(res)) throw this.fail(res, digest);
      const max = kind === 'config' ? MAX_CONFIG_BYTES : MAX_MANIFEST_BYTES;
      body = await readDocument(res, max, this.limits, `${this.what}: ${digest}`);
      const got = digestOf(body, digest.split(':')[0]!);
      if (got !== digest)
        throw new UserError(`${this.what}: ${kind ?? 'manifest'} ${digest} does not match its digest (got ${got})`);
      this.documents.set(digest, body);
    }
    return parseJson(body, `${this.what}: ${digest}`);
  }

  /**
   * A blob's bytes, bounded in time. The engine hashes them as it measures them and checks the digest and the
   * config's diff_id at the end (`verifyLayers`): one hash per byte, the same check as for archives and layouts.
   */
  async blob(digest: string): Promise<AsyncIterable<Buffer>> {
    if (!DIGEST_PATTERN.test(digest)) throw new UserError(`${this.what}: '${digest.slice(0, 80)}' is not a digest`);
    const res = await this.request(`/blobs/${digest}`, '*/*');
    if (!this.ok(res)) throw this.fail(res, `blob ${digest}`);
    return bodyChunks(res, this.limits, `${this.what}: blob ${digest}`);
  }
}

function parseJson(body: Buffer, what: string): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    throw new UserError(`${what}: not JSON`);
  }
}
