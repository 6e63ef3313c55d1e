import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { UserError, errorMessage } from '../errors.js';
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

/** Credentials from DSG_REGISTRY_USERNAME / DSG_REGISTRY_PASSWORD, else from the docker CLI's config.json. */
export function findCredentials(registry: string): Credentials | undefined {
  const username = process.env.DSG_REGISTRY_USERNAME;
  const password = process.env.DSG_REGISTRY_PASSWORD;
  if (username && password) return { username, password };
  try {
    const dir = process.env.DOCKER_CONFIG || join(homedir(), '.docker');
    const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as {
      auths?: Record<string, { auth?: string; username?: string; password?: string }>;
    };
    const keys =
      registry === 'registry-1.docker.io'
        ? ['https://index.docker.io/v1/', 'docker.io']
        : [registry, `https://${registry}`, `http://${registry}`];
    for (const key of keys) {
      const a = config.auths?.[key];
      if (a?.auth) {
        const decoded = Buffer.from(a.auth, 'base64').toString('utf8');
        const i = decoded.indexOf(':');
        return { username: decoded.slice(0, i), password: decoded.slice(i + 1) };
      }
      if (a?.username && a.password) return { username: a.username, password: a.password };
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

/** A Registry HTTP API v2 client for reading manifests and blobs, with anonymous, basic and bearer auth. */
export class RegistryClient implements LayoutAccess {
  private authorization: string | undefined;
  private readonly base: string;
  private readonly credentials: Credentials | undefined;
  private top: { digest: string; mediaType: string; size: number; body: Buffer } | undefined;
  private readonly documents = new Map<string, Buffer>();

  constructor(
    readonly name: RegistryName,
    private readonly what: string,
  ) {
    this.base = `${isLoopback(name.registry) ? 'http' : 'https'}://${name.registry}/v2/${name.repository}`;
    this.credentials = findCredentials(name.registry);
  }

  private async request(path: string, accept: string): Promise<Response> {
    const attempt = () =>
      fetch(`${this.base}${path}`, {
        headers: { Accept: accept, ...(this.authorization ? { Authorization: this.authorization } : {}) },
        redirect: 'follow',
      });
    let res: Response;
    try {
      res = await attempt();
      if (res.status === 401) {
        await res.body?.cancel();
        await this.authenticate(res.headers.get('www-authenticate') ?? '');
        res = await attempt();
      }
    } catch (err) {
      if (err instanceof UserError) throw err;
      const cause = (err as { cause?: { code?: string } }).cause?.code ?? errorMessage(err);
      throw new UserError(`${this.what}: registry ${this.name.registry} unreachable (${cause})`);
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
      const url = new URL(params.realm);
      if (params.service) url.searchParams.set('service', params.service);
      url.searchParams.set('scope', params.scope ?? `repository:${this.name.repository}:pull`);
      const res = await fetch(url, { headers: basic ? { Authorization: basic } : {} });
      if (!res.ok) throw this.unauthorized();
      const body = (await res.json()) as { token?: string; access_token?: string };
      const token = body.token ?? body.access_token;
      if (!token) throw this.unauthorized();
      this.authorization = `Bearer ${token}`;
      return;
    }
    throw this.unauthorized();
  }

  private unauthorized(): UserError {
    return new UserError(
      `${this.what}: unauthorized (401); log in with docker login or set DSG_REGISTRY_USERNAME and DSG_REGISTRY_PASSWORD`,
    );
  }

  private fail(res: Response, what: string): UserError {
    if (res.status === 401 || res.status === 403) return this.unauthorized();
    if (res.status === 404) return new UserError(`${this.what}: ${what} not found (404)`);
    return new UserError(`${this.what}: registry answered ${res.status} ${res.statusText} for ${what}`);
  }

  private async fetchTop(): Promise<void> {
    if (this.top) return;
    const res = await this.request(`/manifests/${this.name.reference}`, MANIFEST_ACCEPT);
    if (!res.ok) throw this.fail(res, `manifest ${this.name.repository}:${this.name.reference}`);
    const body = Buffer.from(await res.arrayBuffer());
    const digest =
      res.headers.get('docker-content-digest') ?? 'sha256:' + createHash('sha256').update(body).digest('hex');
    const mediaType = res.headers.get('content-type')?.split(';')[0] ?? JSON.parse(body.toString()).mediaType;
    this.top = { digest, mediaType, size: body.length, body };
    this.documents.set(digest, body);
  }

  /** The layout's index.json is synthesized from the tagged manifest; blobs are fetched by digest. */
  async readJson(path: string, kind?: 'manifest' | 'config'): Promise<unknown | undefined> {
    await this.fetchTop();
    if (path === 'index.json') {
      const { digest, mediaType, size } = this.top!;
      return { schemaVersion: 2, manifests: [{ digest, mediaType, size }] };
    }
    const digest = path.replace(/^blobs\/([^/]+)\//, '$1:');
    let body = this.documents.get(digest);
    if (!body) {
      const res = await this.request(
        kind === 'config' ? `/blobs/${digest}` : `/manifests/${digest}`,
        kind === 'config' ? '*/*' : MANIFEST_ACCEPT,
      );
      if (res.status === 404) {
        await res.body?.cancel();
        return undefined;
      }
      if (!res.ok) throw this.fail(res, digest);
      body = Buffer.from(await res.arrayBuffer());
      this.documents.set(digest, body);
    }
    return JSON.parse(body.toString('utf8'));
  }

  async blob(digest: string): Promise<AsyncIterable<Buffer>> {
    const res = await this.request(`/blobs/${digest}`, '*/*');
    if (!res.ok || !res.body) throw this.fail(res, `blob ${digest}`);
    return Readable.fromWeb(res.body as import('node:stream/web').ReadableStream<Uint8Array>);
  }
}
