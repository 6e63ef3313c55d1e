import { describe, expect, it } from 'vitest';
import { applyEdits, dockerignoreEditFor, fixEditFor } from '../../src/advice/fix-edits.js';
import { runWords } from '../../src/advice/shell-words.js';
import type { Finding } from '../../src/model/finding.js';
import type { DockerfileLine } from '../../src/model/image-report.js';

const cache = (id: string): Finding => ({
  rule: 'package-cache',
  key: `package-cache:${id}:RUN x`,
  layer: 1,
  instruction: 'RUN x',
  bytes: 1e7,
  estimate: false,
  message: 'm',
  fix: 'f',
  paths: [],
});
const fullBase: Finding = { ...cache('x'), rule: 'full-base', key: 'full-base:python', layer: 0 };

/** The line of the instruction that starts at the first line beginning with `start`. */
function lineOf(text: string, start: string, found: DockerfileLine['found'] = 'history'): DockerfileLine {
  const lines = text.split('\n');
  const from = lines.findIndex((l) => l.startsWith(start));
  let to = from;
  // A comment line inside a continued instruction does not end it (as dockerfile-ast reads it).
  while (lines[to]!.trimEnd().endsWith('\\') || lines[to]!.trimStart().startsWith('#')) to++;
  return { file: 'Dockerfile', startLine: from + 1, endLine: to + 1, found };
}

function fixed(text: string, start: string, findings: Finding[], found?: DockerfileLine['found']) {
  const edit = fixEditFor(findings, lineOf(text, start, found), text);
  return edit && { edit, text: applyEdits(text, [edit]) };
}

describe('fix edits: the transforms, on the lines they change', () => {
  it('apt: --no-install-recommends after install, and the cleanup at the end of the same RUN', () => {
    const df = 'FROM debian:bookworm-slim\nRUN apt-get update && apt-get install -y curl\nCMD ["curl"]\n';
    const r = fixed(df, 'RUN', [cache('apt')])!;
    expect(r.text).toBe(
      'FROM debian:bookworm-slim\n' +
        'RUN apt-get update && apt-get install --no-install-recommends -y curl && apt-get clean && rm -rf /var/lib/apt/lists/*\n' +
        'CMD ["curl"]\n',
    );
    expect(r.edit).toMatchObject({ kinds: ['apt-cleanup'], startLine: 2, endLine: 2, rules: ['package-cache'] });
  });

  it('apt over continuation lines: each install flagged, the cleanup on the last line, line count kept', () => {
    const df = [
      'FROM debian',
      'RUN apt-get update \\',
      '    && DEBIAN_FRONTEND=noninteractive apt-get -y install gcc \\',
      '    # a comment BuildKit drops',
      '    && apt install -y --no-install-recommends make',
      'USER 1000',
    ].join('\n');
    const r = fixed(df, 'RUN', [cache('apt')])!;
    expect(r.edit.lines).toEqual([
      'RUN apt-get update \\',
      '    && DEBIAN_FRONTEND=noninteractive apt-get -y install --no-install-recommends gcc \\',
      '    # a comment BuildKit drops',
      '    && apt install -y --no-install-recommends make && apt-get clean && rm -rf /var/lib/apt/lists/*',
    ]);
    expect(r.text.split('\n')).toHaveLength(df.split('\n').length);
  });

  it('apk, pip (also python -m pip), npm, yarn and pnpm', () => {
    expect(fixed('FROM alpine\nRUN apk add curl', 'RUN', [cache('apk')])!.edit.lines).toEqual([
      'RUN apk add --no-cache curl',
    ]);
    expect(
      fixed('FROM python\nRUN pip install -r r.txt && python3 -m pip install x', 'RUN', [cache('pip')])!.edit.lines,
    ).toEqual(['RUN pip install --no-cache-dir -r r.txt && python3 -m pip install --no-cache-dir x']);
    expect(fixed('FROM node\nRUN npm ci', 'RUN', [cache('npm')])!.edit.lines).toEqual([
      'RUN npm ci && npm cache clean --force',
    ]);
    expect(fixed('FROM node\nRUN yarn install --frozen-lockfile', 'RUN', [cache('yarn')])!.edit.summary).toBe(
      'ends the `RUN` with `yarn cache clean`',
    );
    expect(fixed('FROM node\nRUN pnpm install --frozen-lockfile', 'RUN', [cache('pnpm')])!.edit.lines).toEqual([
      'RUN pnpm install --frozen-lockfile && rm -rf "$(pnpm store path)"',
    ]);
    // A RUN that already empties the store, or one that does not run pnpm, is left alone.
    expect(fixed('FROM node\nRUN pnpm i && pnpm store prune', 'RUN', [cache('pnpm')])).toBeNull();
    expect(fixed('FROM node\nRUN npm ci', 'RUN', [cache('pnpm')])).toBeNull();
  });

  it('npm dev dependencies: --omit=dev on a whole install, with the provenance line too', () => {
    const dev: Finding = { ...cache('x'), rule: 'dev-files', key: 'dev-files:node-dev-deps' };
    expect(fixed('FROM node\nRUN npm ci && npm cache clean --force', 'RUN', [dev], 'provenance')!.edit.lines).toEqual([
      'RUN npm ci --omit=dev && npm cache clean --force',
    ]);
    expect(fixed('FROM node\nRUN npm --no-audit install --no-fund', 'RUN', [dev])!.edit.lines).toEqual([
      'RUN npm --no-audit install --omit=dev --no-fund',
    ]);
    // Adding a package, an install that already leaves dev out, or a line found by position: nothing.
    for (const run of ['npm install left-pad', 'npm ci --production', 'npm ci --omit=dev', 'npm ci --only=prod'])
      expect(fixed(`FROM node\nRUN ${run}`, 'RUN', [dev]), run).toBeNull();
    expect(fixed('FROM node\nRUN npm ci', 'RUN', [dev], 'order')).toBeNull();
    // With the npm cache in the same RUN: one edit answers both.
    const both = fixed('FROM node\nRUN npm ci', 'RUN', [dev, cache('npm')])!;
    expect(both.edit.kinds).toEqual(['npm-omit-dev', 'npm-cache-clean']);
    expect(both.edit.lines).toEqual(['RUN npm ci --omit=dev && npm cache clean --force']);
  });

  it('several findings of one RUN are one edit', () => {
    const r = fixed('FROM python\nRUN apt-get install -y gcc && pip install x\n', 'RUN', [cache('apt'), cache('pip')])!;
    expect(r.edit.kinds).toEqual(['apt-cleanup', 'pip-no-cache']);
    expect(r.edit.lines).toEqual([
      'RUN apt-get install --no-install-recommends -y gcc && pip install --no-cache-dir x && apt-get clean && rm -rf /var/lib/apt/lists/*',
    ]);
  });

  it('a slim base, keeping flags and the stage name', () => {
    const df = 'FROM --platform=linux/amd64 python:3.11 AS app\nRUN true\n';
    expect(fixed(df, 'FROM', [fullBase], 'from')!.edit).toMatchObject({
      kinds: ['slim-base'],
      lines: ['FROM --platform=linux/amd64 python:3.11-slim AS app'],
      summary: 'runs the final stage on `python:3.11-slim` instead of `python:3.11`',
    });
    expect(fixed('FROM node:18-bookworm\n', 'FROM', [fullBase], 'from')!.edit.lines).toEqual(['FROM node:18-slim']);
  });

  it('writes nothing it cannot read or need not change', () => {
    const none = [
      ['FROM debian\nRUN ["apt-get", "install", "-y", "curl"]', 'RUN', cache('apt')], // exec form
      ['FROM debian\nRUN <<EOF\napt-get install -y curl\nEOF', 'RUN', cache('apt')], // heredoc
      ['FROM debian\nRUN apt-get update', 'RUN', cache('apt')], // no install: the lists are the update's
      ['FROM alpine\nRUN apk add --no-cache curl', 'RUN', cache('apk')], // already
      ['FROM debian\nRUN echo "open quote \\\n  && apt-get install x', 'RUN', cache('apt')],
      ['FROM node\nRUN npm ci;', 'RUN', cache('npm')], // ends in a separator
      ['FROM golang\nRUN go build ./...', 'RUN', cache('go-build')], // no mechanical fix
      ['ARG V=3.11\nFROM python:${V}', 'FROM', fullBase], // ARG in the FROM
      ['FROM python:3.11-slim', 'FROM', fullBase], // already slim
      ['FROM python@sha256:' + 'a'.repeat(64), 'FROM', fullBase], // pinned by digest
    ] as const;
    for (const [df, start, f] of none)
      expect(fixed(df, start, [f], start === 'FROM' ? 'from' : 'history'), df).toBeNull();
    // A line matched by position only is not known well enough to edit.
    expect(fixed('FROM alpine\nRUN apk add curl', 'RUN', [cache('apk')], 'order')).toBeNull();
    // Lines that are not in the file.
    expect(fixEditFor([cache('apk')], { file: 'D', startLine: 5, endLine: 6, found: 'history' }, 'FROM a')).toBeNull();
  });

  it('CRLF files keep their line ends', () => {
    const r = fixed('FROM alpine\r\nRUN apk add curl\r\n', 'RUN', [cache('apk')])!;
    expect(r.text).toBe('FROM alpine\r\nRUN apk add --no-cache curl\r\n');
  });

  it('reads a hostile 1.6 MB line within the test timeout (a quadratic reader would take minutes)', () => {
    const line = 'RUN ' + '"a"b\\ c'.repeat(200_000) + ' && apk add x';
    const words = runWords([line])!;
    expect(words.commands).toHaveLength(2);
    expect(words.commands[0]![0]!.text).toBe('ab c'.repeat(200_000));
    expect(words.commands[1]!.map((w) => w.text)).toEqual(['apk', 'add', 'x']);
  });

  it('.dockerignore: the patterns for what a copy brought in, after the last line; a new file when there is none', () => {
    const tests: Finding = { ...cache('x'), rule: 'dev-files', key: 'dev-files:tests' };
    const vcs: Finding = { ...cache('x'), rule: 'dev-files', key: 'dev-files:vcs' };
    const fresh = dockerignoreEditFor([tests], { file: '.dockerignore', text: null })!;
    expect(fresh).toMatchObject({ kinds: ['dockerignore'], startLine: 1, endLine: 0 });
    expect(applyEdits('', [fresh])).toBe('**/test\n**/tests\n**/__tests__\n**/spec\n');
    const existing = dockerignoreEditFor([tests, vcs], { file: 'app/.dockerignore', text: '*.log\n**/tests\n' })!;
    expect(existing).toMatchObject({ startLine: 2, endLine: 2 });
    expect(applyEdits('*.log\n**/tests\n', [existing])).toBe(
      '*.log\n**/tests\n**/test\n**/__tests__\n**/spec\n.git\n.hg\n.svn\n',
    );
    expect(existing.summary).toBe(
      'adds `**/test`, `**/__tests__`, `**/spec`, `.git`, `.hg`, `.svn` to `app/.dockerignore`',
    );
    // Nothing a .dockerignore answers, or nothing left to add.
    expect(dockerignoreEditFor([cache('apt')], { file: '.dockerignore', text: null })).toBeNull();
    expect(dockerignoreEditFor([vcs], { file: '.dockerignore', text: '.git\n.hg\n.svn' })).toBeNull();
  });
});
