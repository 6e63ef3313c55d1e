/**
 * The token service of the bearer-auth registry (127.0.0.1:5002, started by scripts/provision.sh): it checks a
 * user's password and signs a JWT with the key whose certificate the registry trusts. The registry itself is real
 * and verifies every token; only this small issuer is ours, as no token server package is available here.
 */
import { createSign, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';

const DIR = '/tmp/docker-size-guard-registry-token';
export const TOKEN_USER = 'dsg';
export const TOKEN_PASSWORD = 'dsg-token-password';

const b64url = (b: Buffer | string) => Buffer.from(b).toString('base64url');

function sign(scope: string | null, service: string): string {
  const cert = readFileSync(`${DIR}/cert.pem`, 'utf8');
  const der = cert.replace(/-----[A-Z ]+-----/g, '').replace(/\s+/g, '');
  const header = { alg: 'RS256', typ: 'JWT', x5c: [der] };
  const now = Math.floor(Date.now() / 1000);
  const access = scope
    ? scope.split(' ').map((s) => {
        const [type, name, actions] = s.split(':');
        return { type, name, actions: actions!.split(',') };
      })
    : [];
  const claims = {
    iss: 'dsg-token-issuer',
    sub: TOKEN_USER,
    aud: service,
    exp: now + 300,
    nbf: now - 10,
    iat: now,
    jti: randomUUID(),
    access,
  };
  const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
  const signature = createSign('RSA-SHA256')
    .update(input)
    .sign(readFileSync(`${DIR}/key.pem`));
  return `${input}.${b64url(signature)}`;
}

export async function startTokenServer(): Promise<{ requests: string[]; stop: () => Promise<void> }> {
  const requests: string[] = [];
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url!, 'http://x');
    requests.push(url.search);
    const auth = req.headers.authorization ?? '';
    const ok = auth === 'Basic ' + Buffer.from(`${TOKEN_USER}:${TOKEN_PASSWORD}`).toString('base64');
    if (!ok) {
      res.writeHead(401, { 'content-type': 'application/json' }).end('{"errors":[{"code":"UNAUTHORIZED"}]}');
      return;
    }
    const token = sign(url.searchParams.getAll('scope').join(' ') || null, url.searchParams.get('service') ?? '');
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ token, access_token: token }));
  });
  await new Promise<void>((resolve) => server.listen(5003, '127.0.0.1', resolve));
  return { requests, stop: () => new Promise((resolve) => server.close(() => resolve())) };
}
