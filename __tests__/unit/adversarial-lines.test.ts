/**
 * Parsers of an image's or a PR's text run in time linear in their input (issue 18 §9). Each is timed side by
 * side on an adversarial line and on one four times as long: a linear parser takes about four times as long, a
 * quadratic one sixteen, a cubic one sixty-four. The ratio is asserted, never a wall time; the longer line is at
 * the parser's input cap.
 */
import { describe, expect, it } from 'vitest';
import { advise } from '../../src/advice/advise.js';
import { parseDockerfile } from '../../src/advice/dockerfile.js';
import { slimCandidates } from '../../src/advice/rules/full-base.js';
import { installsToolchain } from '../../src/advice/rules/single-stage.js';
import { redactUrlCredentials, displayInstruction } from '../../src/measure/history.js';
import { md5sumsPath } from '../../src/measure/packages/deb.js';
import { metadataHeaders } from '../../src/measure/packages/python.js';
import { ImageContents, LayerEntries } from '../../src/model/contents.js';
import { report } from '../helpers/reports.js';

/** The fastest of a few runs, in ms: the least noisy figure of one call. */
function fastest(fn: () => unknown): number {
  let best = Infinity;
  for (let i = 0; i < 5; i++) {
    const t = process.hrtime.bigint();
    fn();
    best = Math.min(best, Number(process.hrtime.bigint() - t) / 1e6);
  }
  return best;
}

/** How much longer the parser takes on `make(4n)` than on `make(n)`. */
function growth(parse: (s: string) => unknown, make: (n: number) => string, max: number): number {
  const long = make(max);
  const short = make(max / 4);
  parse(short); // warm up the JIT
  return (
    fastest(() => parse(long)) /
    Math.max(
      fastest(() => parse(short)),
      0.05,
    )
  );
}

const CASES: [string, (s: string) => unknown, (n: number) => string, number][] = [
  // The METADATA cap is 64 KiB: a header whose value is all spaces, ended by a line separator.
  ['Python METADATA headers', metadataHeaders, (n) => `Name:${' '.repeat(n)}\u2028x`, 65_536],
  ['distroless md5sums', md5sumsPath, (n) => `${'0'.repeat(32)}${' '.repeat(n)}\u2028`, 200_000],
  ['URL credentials in created_by', redactUrlCredentials, (n) => `a://${'x'.repeat(n)}`, 65_536],
  ['URL credentials, many schemes', redactUrlCredentials, (n) => 'a:/'.repeat(n / 3), 65_536],
  ['a created_by line shown', displayInstruction, (n) => `RUN |1 A=${'x://'.repeat(n / 4)}`, 65_536],
  ['the single-stage rule on a RUN line', installsToolchain, (n) => `apt-get install ${'a '.repeat(n / 2)}`, 24_000],
  [
    'the single-stage rule, no separators',
    installsToolchain,
    (n) => `apt-get install${' install'.repeat(n / 8)}`,
    24_000,
  ],
];

describe('parsers of hostile text are linear', () => {
  it.each(CASES)('%s', (_name, parse, make, max) => {
    expect(growth(parse, make, max)).toBeLessThan(10);
  });

  it('the parsers still read what they read', () => {
    expect(metadataHeaders('Metadata-Version: 2.1\nName:  requests \nVersion: 2.31.0\n\nName: body')).toEqual({
      name: 'requests',
      version: '2.31.0',
    });
    expect(md5sumsPath(`${'a'.repeat(32)}  usr/bin/x y`)).toBe('usr/bin/x y');
    expect(md5sumsPath(`${'g'.repeat(32)}  usr/bin/x`)).toBe('');
    expect(redactUrlCredentials('ADD https://u:p@example.com/x and git+ssh://tok@h/y, me@example.com')).toBe(
      'ADD https://***@example.com/x and git+ssh://***@h/y, me@example.com',
    );
    expect(redactUrlCredentials('x_https://u:p@h/ and https://host/path@v')).toBe(
      'x_https://u:p@h/ and https://host/path@v',
    );
    expect(installsToolchain('apt-get update && apt-get install -y --no-install-recommends gcc libc6-dev')).toBe(true);
    expect(installsToolchain('/usr/bin/apk add --no-cache openjdk-17-jdk-headless')).toBe(true);
    expect(installsToolchain('apt-get install -y curl; make all')).toBe(false);
    expect(installsToolchain('pip install gcc')).toBe(false);
  });

  it('a FROM naming a property of every object finds nothing, and crashes nothing', () => {
    for (const name of ['constructor', '__proto__', 'toString', 'hasOwnProperty']) {
      const dockerfile = parseDockerfile('Dockerfile', `FROM ${name}\nRUN true\n`);
      expect(slimCandidates(dockerfile)).toEqual([]);
      const r = { ...report([{ id: 'a', size: 200_000_000 }]), contents: new ImageContents([new LayerEntries()]) };
      expect(() =>
        advise({ report: r, dockerfile: parseDockerfile('Dockerfile', `FROM ${name}\nRUN true\n`) }),
      ).not.toThrow();
    }
  });
});
