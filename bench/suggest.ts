/**
 * What a suggested fix costs (docs/suggestions.md "What it costs"), measured side by side: a PR that adds
 * `RUN apt-get update && apt-get install -y curl` to `debian:bookworm-slim`, through dist/index.js as the runner
 * runs it, on a cold docker-container builder (as docker/setup-buildx-action makes one per job), history off:
 *   - the proving rebuild's time (the report's buildSeconds) beside the same PR build run alone on a cold builder;
 *   - the whole step with `suggest: comment` beside the same step with `suggest: off`, interleaved.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunReport } from '../src/model/run.js';
import { pullRequestPayload } from '../__tests__/helpers/payloads.js';
import { parseOutputs } from '../__tests__/helpers/runner.js';
import { action, coldBuilder, seconds } from './stored.js';

type Row = (name: string, value: string, target: string, ok: boolean) => void;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

function git(dir: string, ...args: string[]): string {
  return execFileSync('git', ['-c', 'user.name=b', '-c', 'user.email=b@b', ...args], {
    cwd: dir,
    encoding: 'utf8',
  }).trim();
}

export function benchSuggestCost(tmp: string, row: Row, rounds: number): void {
  const repo = join(tmp, 'suggest-repo');
  mkdirSync(repo);
  git(repo, 'init', '-q', '-b', 'main');
  writeFileSync(join(repo, 'Dockerfile'), 'FROM debian:bookworm-slim\nCMD ["true"]\n');
  git(repo, 'add', '-A');
  git(repo, 'commit', '-qm', 'base');
  const base = git(repo, 'rev-parse', 'HEAD');
  git(repo, 'checkout', '-q', '-b', 'pr');
  writeFileSync(
    join(repo, 'Dockerfile'),
    'FROM debian:bookworm-slim\nRUN apt-get update && apt-get install -y curl\nCMD ["curl", "--version"]\n',
  );
  git(repo, 'commit', '-qam', 'curl');
  const pr = pullRequestPayload(1, base, git(repo, 'rev-parse', 'HEAD'));

  const rebuild: number[] = [];
  const alone: number[] = [];
  const step: Record<'comment' | 'off', number[]> = { comment: [], off: [] };
  for (let i = 0; i < rounds; i++) {
    const builder = 'dsg-bench-suggest';
    coldBuilder(builder);
    try {
      alone.push(
        seconds(() =>
          execFileSync('docker', ['buildx', 'build', '--builder', builder, '--progress=quiet', repo], {
            stdio: 'ignore',
          }),
        ),
      );
    } finally {
      spawnSync('docker', ['buildx', 'rm', '-f', builder], { stdio: 'ignore' });
    }
    for (const suggest of ['comment', 'off'] as const) {
      coldBuilder(builder);
      try {
        const took = seconds(() => action(tmp, repo, 'pull_request', pr, { builder, suggest, history: 'off' }));
        step[suggest].push(took);
        if (suggest === 'comment') {
          const out = parseOutputs(readFileSync(join(tmp, 'out'), 'utf8'));
          const report = JSON.parse(readFileSync(out.report!, 'utf8')) as RunReport;
          const s = report.entries[0]?.suggestions?.[0];
          if (!s) throw new Error('bench: the apt fix was not suggested');
          rebuild.push(s.buildSeconds);
        }
      } finally {
        spawnSync('docker', ['buildx', 'rm', '-f', builder], { stdio: 'ignore' });
      }
    }
    console.log(
      `  round ${i + 1}: PR build alone ${alone.at(-1)!.toFixed(1)} s, proving rebuild ${rebuild.at(-1)!.toFixed(1)} s; ` +
        `step ${step.comment.at(-1)!.toFixed(1)} s with suggest: comment, ${step.off.at(-1)!.toFixed(1)} s with off`,
    );
  }
  row(
    'suggest: proving rebuild / the PR build alone (apt PR)',
    (median(rebuild) / median(alone)).toFixed(2),
    '—',
    true,
  );
  row('suggest: step with comment / with off', (median(step.comment) / median(step.off)).toFixed(2), '—', true);
}
