import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Certificates made by openssl, as Docker's "protect the daemon socket" guide makes them. */
const ssl = (...args: string[]) => execFileSync('openssl', args, { stdio: 'ignore' });

/** A CA in `dir` (ca.pem, ca-key.pem). */
export function makeCa(dir: string): void {
  mkdirSync(dir, { recursive: true });
  ssl(
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-days',
    '2',
    '-subj',
    '/CN=dsg-ca',
    '-keyout',
    join(dir, 'ca-key.pem'),
    '-out',
    join(dir, 'ca.pem'),
  );
}

/** `<name>.pem` and `<name>-key.pem` in `dir`, signed by its CA, with the extensions `ext` (openssl's syntax). */
export function signCertificate(dir: string, name: string, cn: string, ext: string): void {
  const csr = join(dir, `${name}.csr`);
  ssl(
    'req',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-subj',
    `/CN=${cn}`,
    '-keyout',
    join(dir, `${name}-key.pem`),
    '-out',
    csr,
  );
  writeFileSync(join(dir, `${name}.ext`), ext);
  ssl(
    'x509',
    '-req',
    '-in',
    csr,
    '-CA',
    join(dir, 'ca.pem'),
    '-CAkey',
    join(dir, 'ca-key.pem'),
    '-CAcreateserial',
    '-days',
    '2',
    '-extfile',
    join(dir, `${name}.ext`),
    '-out',
    join(dir, `${name}.pem`),
  );
}
