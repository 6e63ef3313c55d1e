import Docker from 'dockerode';
import { UserError, errorMessage } from '../errors.js';

export type ImageStore = 'classic' | 'containerd';

interface DockerError {
  statusCode?: number;
  code?: string;
  json?: { message?: string };
  message?: string;
}

/** Where the Engine API is, as the docker CLI would say it (DOCKER_HOST or the default socket). */
export function daemonAddress(): string {
  return process.env.DOCKER_HOST || 'unix:///var/run/docker.sock';
}

export function describeDaemonError(err: unknown, what: string): UserError {
  const e = err as DockerError;
  if (e?.statusCode === 404) return new UserError(`${what}: no such image in the daemon at ${daemonAddress()}`);
  if (e?.code === 'ECONNREFUSED' || e?.code === 'ENOENT' || e?.code === 'EACCES' || e?.code === 'ECONNRESET') {
    return new UserError(`${what}: Docker daemon unreachable at ${daemonAddress()} (${e.code}); is dockerd running?`);
  }
  const message = e?.json?.message ?? errorMessage(err);
  return new UserError(`${what}: Docker daemon error: ${message.split('\n')[0]}`);
}

/** The one place that talks to the Docker Engine API. */
export class DockerDaemon {
  readonly docker: Docker;

  constructor(docker = new Docker()) {
    this.docker = docker;
  }

  /** The classic store keeps layers unpacked; the containerd store keeps the compressed blobs. */
  async store(what: string): Promise<ImageStore> {
    try {
      const info = (await this.docker.info()) as { DriverStatus?: [string, string][] };
      const containerd = (info.DriverStatus ?? []).some(([, v]) => v === 'io.containerd.snapshotter.v1');
      return containerd ? 'containerd' : 'classic';
    } catch (err) {
      throw describeDaemonError(err, what);
    }
  }

  async inspect(name: string, what: string): Promise<Docker.ImageInspectInfo> {
    try {
      return await this.docker.getImage(name).inspect();
    } catch (err) {
      throw describeDaemonError(err, what);
    }
  }

  /** `docker save` of one or more images as a stream (shared layers appear once). */
  async save(names: string[], what: string): Promise<NodeJS.ReadableStream> {
    try {
      if (names.length === 1) return await this.docker.getImage(names[0]!).get();
      // dockerode has no typed call for GET /images/get?names=…; docker-modem encodes the array as repeated keys.
      return await new Promise<NodeJS.ReadableStream>((resolve, reject) =>
        this.docker.modem.dial(
          {
            path: '/images/get?',
            method: 'GET',
            options: { names },
            isStream: true,
            statusCodes: { 200: true, 404: 'no such image', 500: 'server error' },
          },
          (err: unknown, stream: unknown) => (err ? reject(err) : resolve(stream as NodeJS.ReadableStream)),
        ),
      );
    } catch (err) {
      throw describeDaemonError(err, what);
    }
  }
}
