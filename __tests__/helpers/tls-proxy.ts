import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeCa, signCertificate } from './certs.js';

/**
 * A registry over https as a client meets one on the internet: node:https terminating TLS in front of the loopback
 * registry, on this machine's first address that is not loopback (a loopback registry is spoken to in plain HTTP,
 * as docker does), with a certificate from a CA of its own (`caFile`, for NODE_EXTRA_CA_CERTS).
 */
export interface TlsRegistry {
  /** host:port */
  host: string;
  caFile: string;
  /** A CA that did not sign the server's certificate. */
  otherCaFile: string;
  stop(): Promise<void>;
}

export async function startTlsRegistry(upstream: string): Promise<TlsRegistry> {
  const address = Object.values(networkInterfaces())
    .flat()
    .find((a) => a && a.family === 'IPv4' && !a.internal)?.address;
  if (!address) throw new Error('tls-proxy: this machine has no address but loopback (docker0 is made by provision)');
  const dir = mkdtempSync(join(tmpdir(), 'dsg-tls-registry-'));
  makeCa(dir);
  makeCa(join(dir, 'other'));
  signCertificate(dir, 'server', address, `subjectAltName=IP:${address}\nextendedKeyUsage=serverAuth\n`);
  const [upHost, upPort] = upstream.split(':') as [string, string];
  const server = createServer(
    { key: readFileSync(join(dir, 'server-key.pem')), cert: readFileSync(join(dir, 'server.pem')) },
    (req, res) => {
      const up = request(
        {
          host: upHost,
          port: Number(upPort),
          path: req.url,
          method: req.method,
          headers: { ...req.headers, host: upstream },
        },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      up.on('error', () => res.destroy());
      req.pipe(up);
    },
  );
  await new Promise<void>((resolve) => server.listen(0, address, resolve));
  return {
    host: `${address}:${(server.address() as AddressInfo).port}`,
    caFile: join(dir, 'ca.pem'),
    otherCaFile: join(dir, 'other', 'ca.pem'),
    stop: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
