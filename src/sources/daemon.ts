import type { Readable } from 'node:stream';
import { UserError, errorMessage } from '../errors.js';
import { pump } from '../util/push.js';
import { engineEndpoint, engineGet, type BodySink, type EngineEndpoint, type EngineError } from './engine-api.js';
import { engineClient, negotiate, type EngineClient } from './engine-client.js';

export type ImageStore = 'classic' | 'containerd';

/** What the measuring pass reads of `GET /images/{name}/json`. */
export interface ImageInspect {
  Id: string;
  Size?: number;
  RepoTags?: string[] | null;
  RepoDigests?: string[] | null;
  [key: string]: unknown;
}

/** Which reader takes a `docker save` over a unix or tcp socket (ssh and TLS always use dockerode's). */
export type SaveReader = 'buffer' | 'dockerode';

export function describeDaemonError(err: unknown, what: string, address: string, refusal = ''): UserError {
  if (err instanceof UserError) return err;
  if (refusal) return new UserError(`${what}: the Docker host ${address} was not trusted: ${refusal}`);
  const e = err as EngineError & { level?: string };
  if (e?.statusCode === 404) return new UserError(`${what}: no such image in the daemon at ${address}`);
  const unreachable = ['ECONNREFUSED', 'ENOENT', 'EACCES', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH'];
  if (e?.code && unreachable.includes(e.code)) {
    return new UserError(`${what}: Docker daemon unreachable at ${address} (${e.code}); is dockerd running?`);
  }
  // ssh2's errors: authentication, handshake or the remote command.
  if (e?.level === 'client-authentication' || e?.level === 'client-socket' || e?.level === 'client-timeout')
    return new UserError(`${what}: cannot reach the Docker host ${address} over ssh (${errorMessage(err)})`);
  return new UserError(`${what}: Docker daemon error: ${errorMessage(err).split('\n')[0]}`);
}

/** dockerode's message for an HTTP error carries the body after "(HTTP code N) … - "; the daemon's own words. */
function daemonMessage(err: unknown): unknown {
  const e = err as { statusCode?: number; json?: { message?: string } | null; message?: string };
  if (typeof e?.statusCode === 'number' && e.json?.message)
    return Object.assign(new Error(e.json.message), { statusCode: e.statusCode });
  return err;
}

/** The one place that talks to the Docker Engine API. */
export class DockerDaemon {
  private resolved: EngineEndpoint | undefined;
  private client: Promise<EngineClient> | undefined;
  private negotiated: Promise<void> | undefined;

  /**
   * `host`: as DOCKER_HOST would give it; by default the engine the docker CLI would talk to. `saveReader`: `npm
   * run bench` compares the two readers of a `docker save` (DSG_SAVE_READER=dockerode picks dockerode's for a run);
   * `buffer` is the default where it applies.
   */
  constructor(
    private readonly host?: string,
    private readonly saveReader: SaveReader = process.env.DSG_SAVE_READER === 'dockerode' ? 'dockerode' : 'buffer',
  ) {}

  /** The address, and where it came from when that was not DOCKER_HOST: "unix:///… (context colima)". */
  get address(): string {
    const e = this.endpoint();
    return e.from === 'DOCKER_HOST' || e.from === 'default' ? e.address : `${e.address} (${e.from})`;
  }

  /** Worked out on first use (TLS files read once), so that a bad host or context fails the call that needs it. */
  private endpoint(): EngineEndpoint {
    return (this.resolved ??= engineEndpoint(this.env()));
  }

  private env(): NodeJS.ProcessEnv {
    return this.host ? { ...process.env, DOCKER_HOST: this.host } : process.env;
  }

  /** One call through dockerode, its errors told as one line; the client is made (and versioned) once. */
  private async call<T>(what: string, f: (c: EngineClient) => Promise<T>): Promise<T> {
    let client: EngineClient | undefined;
    try {
      client = await (this.client ??= engineClient(this.endpoint(), this.env()));
      const c = client;
      // Asked once; a failed negotiation (the daemon not there yet) is not kept, so the next call asks again.
      await (this.negotiated ??= negotiate(c, this.endpoint().address).catch((err: unknown) => {
        this.negotiated = undefined;
        throw err;
      }));
      return await f(client);
    } catch (err) {
      throw describeDaemonError(daemonMessage(err), what, this.address, client?.refusal() ?? '');
    }
  }

  /** The classic store keeps layers unpacked; the containerd store keeps the compressed blobs. */
  async store(what: string): Promise<ImageStore> {
    const info = await this.call(what, (c) => c.docker.info() as Promise<{ DriverStatus?: [string, string][] | null }>);
    const containerd = (info.DriverStatus ?? []).some(([, v]) => v === 'io.containerd.snapshotter.v1');
    return containerd ? 'containerd' : 'classic';
  }

  async inspect(name: string, what: string): Promise<ImageInspect> {
    return this.call(what, async (c) => (await c.docker.getImage(name).inspect()) as unknown as ImageInspect);
  }

  /** `docker image rm --no-prune`; an image already gone is no failure. */
  async remove(name: string, what: string): Promise<void> {
    await this.call(what, async (c) => {
      try {
        await c.docker.getImage(name).remove({ noprune: true });
      } catch (err) {
        if ((err as EngineError).statusCode !== 404) throw err;
      }
    });
  }

  /** `docker save` of one or more images (shared layers appear once), handed to `sink` as it arrives. */
  async save(names: string[], what: string, sink: BodySink): Promise<void> {
    const endpoint = this.endpoint();
    if (this.saveReader === 'buffer' && endpoint.kind !== 'ssh') {
      const query = names.map((n) => `names=${encodeURIComponent(n)}`).join('&');
      try {
        await engineGet(endpoint, `/images/get?${query}`, sink);
      } catch (err) {
        throw describeDaemonError(err, what, this.address);
      }
      return;
    }
    await this.call(what, async (c) => {
      // dockerode has the call but its types do not.
      const docker = c.docker as unknown as { getImages(o: { names: string[] }): Promise<Readable> };
      const stream = await docker.getImages({ names });
      await pump(stream, sink).finally(() => stream.destroy());
    });
  }
}
