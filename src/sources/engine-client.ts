import { readFileSync } from 'node:fs';
import { Agent as HttpAgent } from 'node:http';
import { connect as netConnect, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type Docker from 'dockerode';
import { UserError } from '../errors.js';
import type { EngineEndpoint } from './engine-api.js';
import { serverName } from './http1.js';
import { knownHostName, verifyHostKey } from './known-hosts.js';

/**
 * The newest Engine API this code was written against (Docker 28.5). Like the docker CLI, a client asks the daemon
 * its version and speaks the older of the two, so a newer daemon answers in the shapes parsed here.
 */
export const CLIENT_API_VERSION = '1.51';
/** Docker 17.06's API: the oldest whose answers (inspect, info, save) carry what is read here. */
export const OLDEST_API_VERSION = '1.30';
/** A control call (inspect, info, version, removal) that takes longer is stuck. */
const CALL_TIMEOUT_MS = 120_000;

function apiNumber(v: string): [number, number] {
  const [major, minor] = v.split('.').map((n) => Number.parseInt(n, 10));
  return [major ?? 0, minor ?? 0];
}
function apiOlder(a: string, b: string): boolean {
  const [am, an] = apiNumber(a);
  const [bm, bn] = apiNumber(b);
  return am < bm || (am === bm && an < bn);
}

/** The API version to speak to a daemon that reports `server`. Pure. */
export function negotiateApiVersion(server: string | undefined, where: string): string {
  if (!server || !/^\d{1,3}\.\d{1,3}$/.test(server)) return OLDEST_API_VERSION;
  if (apiOlder(server, OLDEST_API_VERSION))
    throw new UserError(
      `${where}: the daemon speaks Engine API ${server}, older than ${OLDEST_API_VERSION} (Docker 17.06)`,
    );
  return apiOlder(server, CLIENT_API_VERSION) ? server : CLIENT_API_VERSION;
}

function readOptional(path: string): Buffer | null {
  try {
    return readFileSync(path);
  } catch {
    return null;
  }
}

/**
 * ssh as the docker CLI's `ssh` would do it for a user without an ssh config: the agent (SSH_AUTH_SOCK) or else
 * the first unencrypted default identity, and the host's key checked against known_hosts.
 */
function sshOptions(endpoint: Extract<EngineEndpoint, { kind: 'ssh' }>, env: NodeJS.ProcessEnv) {
  const home = env.HOME || homedir();
  const known = [join(home, '.ssh', 'known_hosts'), '/etc/ssh/ssh_known_hosts']
    .map((f) => readOptional(f)?.toString('utf8') ?? '')
    .join('\n');
  const identity = env.SSH_AUTH_SOCK
    ? null
    : (['id_ed25519', 'id_ecdsa', 'id_rsa'].map((f) => readOptional(join(home, '.ssh', f))).find(Boolean) ?? null);
  let refusal = '';
  return {
    options: {
      ...(env.SSH_AUTH_SOCK ? { agent: env.SSH_AUTH_SOCK } : {}),
      ...(identity ? { privateKey: identity } : {}),
      readyTimeout: 30_000,
      keepaliveInterval: 15_000,
      keepaliveCountMax: 4,
      hostVerifier: (key: Buffer) => {
        const verdict = verifyHostKey(known, endpoint.host, endpoint.port, key);
        if (verdict === 'revoked') refusal = 'its host key is marked @revoked in known_hosts';
        else if (verdict === 'unknown')
          refusal =
            `its host key is not in ~/.ssh/known_hosts as ${knownHostName(endpoint.host, endpoint.port)} ` +
            `(connect once with ssh, or add \`ssh-keyscan -p ${endpoint.port} ${endpoint.host}\`)`;
        return verdict === 'known';
      },
    },
    /** Why the last connection was refused, for the one-line error. */
    refusal: () => refusal,
  };
}

export interface EngineClient {
  docker: Docker;
  /** Why an ssh connection was refused by our own check (host key), or ''. */
  refusal: () => string;
}

type Connect = (callback: (err: Error | null, stream?: Duplex) => void) => void;

/**
 * Hands docker-modem a connection of ours for each request, as if to a unix socket: docker-modem then asks for a
 * path, never a URL (it builds those with `url.parse`, which Node 24 warns about on stderr for every run, and for
 * `ssh://` with a URL that Node deprecates). It carries TLS (with SkipTLSVerify, which docker-modem has no option
 * for), or an ssh channel to `docker system dial-stdio` made by docker-modem's own ssh agent.
 */
class ConnectAgent extends HttpAgent {
  constructor(private readonly connect: Connect) {
    super();
  }
  override createConnection(_options: unknown, callback: (err: Error | null, stream?: Duplex) => void): undefined {
    this.connect(callback);
    return undefined;
  }
}

function connected(socket: Socket | TLSSocket, ready: string): Connect {
  return (callback) => {
    const failed = (err: Error) => callback(err);
    socket.once('error', failed);
    socket.once(ready, () => {
      socket.off('error', failed); // from here the request owns the socket's errors
      callback(null, socket);
    });
  };
}

/** The connection to hand docker-modem for a tcp or ssh endpoint, and why our own check refused an ssh host. */
async function connection(
  endpoint: Exclude<EngineEndpoint, { kind: 'unix' }>,
  env: NodeJS.ProcessEnv,
): Promise<{ connect: Connect; refusal: () => string }> {
  if (endpoint.kind === 'tcp') {
    const { host, port, tls } = endpoint;
    const connect: Connect = (callback) =>
      tls
        ? connected(tlsConnect({ host, port, ...tls, ...serverName(host) }), 'secureConnect')(callback)
        : connected(netConnect({ host, port }), 'connect')(callback);
    return { connect, refusal: () => '' };
  }
  const ssh = sshOptions(endpoint, env);
  const { default: sshAgent } = await import('docker-modem/lib/ssh.js');
  const target = { ...ssh.options, host: endpoint.host, port: endpoint.port, username: endpoint.user };
  const connect: Connect = (callback) =>
    (sshAgent(target) as unknown as { createConnection: ConnectAgent['createConnection'] }).createConnection(
      {},
      callback,
    );
  return { connect, refusal: ssh.refusal };
}

/**
 * A dockerode client for the endpoint; `negotiate` sets the API version before the first call. dockerode (with
 * ssh2, grpc and protobuf) is loaded on first use: a command that reads only files starts without it.
 */
export async function engineClient(
  endpoint: EngineEndpoint,
  env: NodeJS.ProcessEnv = process.env,
): Promise<EngineClient> {
  const { default: Docker } = await import('dockerode');
  let options: Docker.DockerOptions;
  let refusal = () => '';
  if (endpoint.kind === 'unix') options = { socketPath: endpoint.path };
  else {
    const via = await connection(endpoint, env);
    options = { socketPath: endpoint.address, agent: new ConnectAgent(via.connect) } as Docker.DockerOptions;
    refusal = via.refusal;
  }
  // docker-modem starts from DOCKER_HOST and DOCKER_CERT_PATH itself: everything it would take from them is set.
  const unset = { host: undefined, port: undefined, ca: undefined, cert: undefined, key: undefined, protocol: 'http' };
  // ssh's channel is no socket and takes no idle timeout: ssh2's keepalive finds a dead connection instead.
  const timeout = endpoint.kind === 'ssh' ? {} : { timeout: CALL_TIMEOUT_MS };
  try {
    return { docker: new Docker({ ...unset, ...options, ...timeout } as Docker.DockerOptions), refusal };
  } catch (err) {
    throw new UserError(`DOCKER_HOST ${env.DOCKER_HOST ?? ''}: ${(err as Error).message}`);
  }
}

/** One /version call: from then on the client speaks the older of the daemon's API and ours. */
export async function negotiate(client: EngineClient, address: string): Promise<void> {
  const version = (await client.docker.version()) as { ApiVersion?: string };
  (client.docker.modem as { version?: string }).version = `v${negotiateApiVersion(version.ApiVersion, address)}`;
}
