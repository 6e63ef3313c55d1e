import { UserError, errorMessage } from '../errors.js';
import {
  engineEndpoint,
  engineGet,
  engineJson,
  type BodySink,
  type EngineEndpoint,
  type EngineError,
} from './engine-api.js';

export type ImageStore = 'classic' | 'containerd';

/** What the measuring pass reads of `GET /images/{name}/json`. */
export interface ImageInspect {
  Id: string;
  Size?: number;
  RepoTags?: string[] | null;
  RepoDigests?: string[] | null;
  [key: string]: unknown;
}

export function describeDaemonError(err: unknown, what: string, address: string): UserError {
  if (err instanceof UserError) return err;
  const e = err as EngineError;
  if (e?.statusCode === 404) return new UserError(`${what}: no such image in the daemon at ${address}`);
  if (e?.code === 'ECONNREFUSED' || e?.code === 'ENOENT' || e?.code === 'EACCES' || e?.code === 'ECONNRESET') {
    return new UserError(`${what}: Docker daemon unreachable at ${address} (${e.code}); is dockerd running?`);
  }
  return new UserError(`${what}: Docker daemon error: ${errorMessage(err).split('\n')[0]}`);
}

/** The one place that talks to the Docker Engine API. */
export class DockerDaemon {
  private resolved: EngineEndpoint | undefined;

  /** `host`: as DOCKER_HOST would give it; by default the engine the docker CLI would talk to. */
  constructor(private readonly host?: string) {}

  /** The address, and where it came from when that was not DOCKER_HOST: "unix:///… (context colima)". */
  private get address(): string {
    const e = this.endpoint();
    return e.from === 'DOCKER_HOST' || e.from === 'default' ? e.address : `${e.address} (${e.from})`;
  }

  /** Worked out on first use (TLS files read once), so that a bad host or context fails the call that needs it. */
  private endpoint(): EngineEndpoint {
    return (this.resolved ??= engineEndpoint(this.host ? { ...process.env, DOCKER_HOST: this.host } : process.env));
  }

  /** The classic store keeps layers unpacked; the containerd store keeps the compressed blobs. */
  async store(what: string): Promise<ImageStore> {
    try {
      const info = (await engineJson(this.endpoint(), '/info')) as { DriverStatus?: [string, string][] | null };
      const containerd = (info.DriverStatus ?? []).some(([, v]) => v === 'io.containerd.snapshotter.v1');
      return containerd ? 'containerd' : 'classic';
    } catch (err) {
      throw describeDaemonError(err, what, this.address);
    }
  }

  async inspect(name: string, what: string): Promise<ImageInspect> {
    try {
      return (await engineJson(this.endpoint(), `/images/${encodeURIComponent(name)}/json`)) as ImageInspect;
    } catch (err) {
      throw describeDaemonError(err, what, this.address);
    }
  }

  /** `docker save` of one or more images (shared layers appear once), handed to `sink` as it arrives. */
  async save(names: string[], what: string, sink: BodySink): Promise<void> {
    const query = names.map((n) => `names=${encodeURIComponent(n)}`).join('&');
    try {
      await engineGet(this.endpoint(), `/images/get?${query}`, sink);
    } catch (err) {
      throw describeDaemonError(err, what, this.address);
    }
  }
}
