import { createHmac } from 'node:crypto';

/**
 * OpenSSH's known_hosts, as far as an `ssh://` Docker host needs it: is this key the one recorded for this host?
 * The docker CLI reaches ssh hosts through the system's `ssh`, which refuses a host whose key it does not know;
 * dockerode's ssh2 would accept any key unless told, so the same files decide here. Plain and hashed (`|1|salt|hash`)
 * host names are matched; wildcard patterns and `@cert-authority` lines are not (such a host is refused, with the
 * line below saying how to record its key), and a `@revoked` key is refused. Pure.
 */
export type HostKeyVerdict = 'known' | 'unknown' | 'revoked';

/** The name known_hosts records for a host: `host`, or `[host]:port` off port 22. */
export function knownHostName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

function patternMatches(pattern: string, name: string): boolean {
  if (pattern.startsWith('|1|')) {
    const [salt, hash] = pattern.slice(3).split('|');
    if (!salt || !hash) return false;
    const mac = createHmac('sha1', Buffer.from(salt, 'base64')).update(name).digest('base64');
    return mac === hash;
  }
  return pattern === name;
}

/**
 * `key` is the host key as the server sent it (the SSH wire blob, what known_hosts stores in base64). `text` is the
 * concatenated known_hosts files; lines are split without a regular expression and long lines are skipped.
 */
export function verifyHostKey(text: string, host: string, port: number, key: Buffer): HostKeyVerdict {
  const name = knownHostName(host, port);
  const blob = key.toString('base64');
  let verdict: HostKeyVerdict = 'unknown';
  for (const raw of text.split('\n')) {
    if (raw.length > 16_384) continue;
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const fields = line.split(/\s+/);
    let marker = '';
    if (fields[0]!.startsWith('@')) marker = fields.shift()!;
    if (fields.length < 3 || marker === '@cert-authority') continue;
    const [patterns, , keyData] = fields as [string, string, string];
    if (keyData !== blob) continue;
    const names = patterns.split(',');
    if (names.some((p) => p.startsWith('!') && patternMatches(p.slice(1), name))) continue;
    if (!names.some((p) => patternMatches(p, name))) continue;
    if (marker === '@revoked') return 'revoked';
    verdict = 'known';
  }
  return verdict;
}
