import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A registry on loopback that misbehaves on purpose, one repository per misbehaviour: it drips, stalls, sends
 * too much, lies about digests and sizes, loops redirects, and redirects blobs to another host to see whether
 * credentials follow. `seen` records the Authorization header of every request, by server.
 */
export interface HostileRegistry {
  host: string;
  otherHost: string;
  seen: { server: 'main' | 'other'; path: string; authorization: string | undefined }[];
  stop(): Promise<void>;
}

const sha = (b: Buffer | string) => 'sha256:' + createHash('sha256').update(b).digest('hex');
const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';

function listen(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<Server> {
  return new Promise((resolve) => {
    const s = createServer(handler);
    s.listen(0, '127.0.0.1', () => resolve(s));
  });
}

export async function startHostileRegistry(): Promise<HostileRegistry> {
  const seen: HostileRegistry['seen'] = [];
  const timers = new Set<NodeJS.Timeout>();
  const layer = Buffer.alloc(1024); // an empty tar: two zero blocks
  const config = Buffer.from(
    JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [sha(layer)] } }),
  );
  const manifestOf = (over: Record<string, unknown> = {}) =>
    Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: OCI_MANIFEST,
        config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha(config), size: config.length },
        layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: sha(layer), size: layer.length }],
        ...over,
      }),
    );

  const other = await listen((req, res) => {
    seen.push({ server: 'other', path: req.url ?? '', authorization: req.headers.authorization });
    res.writeHead(200, { 'Content-Length': layer.length });
    res.end(layer);
  });
  const otherHost = `127.0.0.1:${(other.address() as AddressInfo).port}`;

  const main = await listen((req, res) => {
    const url = req.url ?? '';
    seen.push({ server: 'main', path: url, authorization: req.headers.authorization });
    const m = /^\/v2\/([^/]+)\/(manifests|blobs)\/(.+)$/.exec(url);
    if (url === '/v2/' || !m) {
      res.writeHead(200).end('{}');
      return;
    }
    const [, repo, kind, ref] = m as unknown as [string, string, string, string];
    const manifest = (body: Buffer) => res.writeHead(200, { 'Content-Type': OCI_MANIFEST }).end(body);
    switch (repo) {
      case 'drip': {
        res.writeHead(200, { 'Content-Type': OCI_MANIFEST });
        const t = setInterval(() => res.write(' '), 300);
        timers.add(t);
        res.on('close', () => clearInterval(t));
        return;
      }
      case 'stall':
        return; // never answers
      case 'huge-declared':
        res.writeHead(200, { 'Content-Type': OCI_MANIFEST, 'Content-Length': String(400 * 1024 * 1024) });
        res.write('{"schemaVersion":2,');
        return;
      case 'huge-chunked': {
        res.writeHead(200, { 'Content-Type': OCI_MANIFEST });
        const chunk = Buffer.alloc(1024 * 1024, 0x20);
        let sent = 0;
        const more = () => {
          while (sent < 400 && res.write(chunk)) sent++;
          if (sent < 400) res.once('drain', more);
          else res.end();
        };
        res.on('error', () => {});
        more();
        return;
      }
      case 'not-json':
        return manifest(Buffer.from('<html>hello</html>'));
      case 'negative-size':
        if (kind === 'manifests')
          return manifest(
            manifestOf({
              layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: sha(layer), size: -5e15 }],
            }),
          );
        break;
      case 'redirect-loop':
        res.writeHead(307, { Location: url }).end();
        return;
      case 'bad-realm':
        res.writeHead(401, { 'WWW-Authenticate': 'Bearer realm="file:///etc/passwd",service="x"' }).end();
        return;
      case 'lying-manifest':
        // The tag names an index whose child manifest, fetched by digest, is not what its digest says.
        if (ref === 't') {
          const child = manifestOf();
          const index = Buffer.from(
            JSON.stringify({
              schemaVersion: 2,
              mediaType: 'application/vnd.oci.image.index.v1+json',
              manifests: [
                {
                  mediaType: OCI_MANIFEST,
                  digest: sha(child),
                  size: child.length,
                  platform: { os: 'linux', architecture: 'amd64' },
                },
              ],
            }),
          );
          return res.writeHead(200, { 'Content-Type': 'application/vnd.oci.image.index.v1+json' }).end(index);
        }
        return manifest(manifestOf({ annotations: { tampered: 'yes' } }));
      case 'lying-blob':
        if (kind === 'manifests') return manifest(manifestOf());
        return res.writeHead(200).end(ref === sha(config) ? config : Buffer.alloc(2048)); // a tar, but another one
      case 'steal': {
        if (req.headers.authorization !== 'Basic ' + Buffer.from('u:p').toString('base64')) {
          res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="x"' }).end();
          return;
        }
        if (kind === 'manifests') return manifest(manifestOf());
        if (ref === sha(config)) return res.writeHead(200).end(config);
        res.writeHead(307, { Location: `http://${otherHost}/blob/${ref}` }).end();
        return;
      }
    }
    res.writeHead(404).end();
  });
  const host = `127.0.0.1:${(main.address() as AddressInfo).port}`;
  return {
    host,
    otherHost,
    seen,
    async stop() {
      for (const t of timers) clearInterval(t);
      main.closeAllConnections();
      other.closeAllConnections();
      await Promise.all([new Promise((r) => main.close(r)), new Promise((r) => other.close(r))]);
    },
  };
}
