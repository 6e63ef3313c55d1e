import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkRev } from '../../src/git/git.js';
import { UserError } from '../../src/errors.js';
import { PRIVILEGED_EVENTS, readEvent } from '../../src/github/event.js';
import { NO_RULES } from '../../src/model/comparison.js';
import { confineTargets } from '../../src/run/confine.js';
import type { ImageTarget } from '../../src/run/images.js';
import { buildInputs } from '../helpers/inputs.js';

const root = mkdtempSync(join(tmpdir(), 'dsg-confine-'));
mkdirSync(join(root, 'app'));
symlinkSync('/etc', join(root, 'escape'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function target(over: Partial<ImageTarget['build']> & { baseImage?: string; headImage?: string } = {}): ImageTarget {
  const { baseImage = '', headImage = '', ...build } = over;
  return {
    name: 'api',
    baseImage,
    headImage,
    rules: NO_RULES,
    ignorePaths: [],
    build: buildInputs(build),
  };
}

describe('build inputs stay inside the workspace', () => {
  it.each([
    [{ context: '../hostonly' }, "context '../hostonly' is outside the workspace"],
    [{ context: '/home/runner' }, "context '/home/runner' is outside the workspace"],
    [{ context: 'escape' }, "context 'escape' is outside the workspace"],
    [{ context: 'escape/ssh' }, "context 'escape/ssh' is outside the workspace"],
    [{ file: '../../Dockerfile' }, "file '../../Dockerfile' is outside the workspace"],
    [{ buildContexts: ['secrets=/root/.ssh'] }, "build-contexts '/root/.ssh' is outside the workspace"],
    [{ buildContexts: ['x=oci-layout:///var/lib/x'] }, "build-contexts '/var/lib/x' is outside the workspace"],
    [{ context: 'file:///etc' }, "context 'file:///etc' is outside the workspace"],
    [{ headImage: 'docker-archive:/var/run/x.tar' }, "head-image '/var/run/x.tar' is outside the workspace"],
    [{ baseImage: 'oci:../../layout:img' }, "base-image '../../layout' is outside the workspace"],
  ])('%j is refused in one line', (over, message) => {
    expect(() => confineTargets(root, [target(over)], '.github/docker-size-guard.yml')).toThrow(
      new UserError(`Invalid .github/docker-size-guard.yml: api: ${message}`),
    );
  });

  it('lets paths inside, not-yet-existing paths inside, and remote contexts through', () => {
    for (const over of [
      { context: 'app' },
      { context: './app/../app', file: 'app/Dockerfile' },
      { context: 'new/dir' },
      { context: 'https://github.com/o/r.git#main' },
      { buildContexts: ['base=docker-image://alpine:3', 'src=app'] },
      { headImage: 'docker-archive:app/image.tar', baseImage: 'docker://127.0.0.1:5000/x:1' },
    ]) {
      expect(() => confineTargets(root, [target(over)], 'x')).not.toThrow();
    }
  });
});

describe('refs reach git only as refs', () => {
  it.each(['--upload-pack=touch PWNED;false', '-x', '.hidden', 'a..b', 'a b', 'main\n--x', 'x;y', '', '@{-1}'])(
    'refuses %j',
    (ref) => {
      expect(() => checkRev(ref, "input 'base-ref'")).toThrow(/^Invalid input 'base-ref': /);
    },
  );
  it.each(['main', 'origin/main', 'v1.2.3', 'HEAD~1', 'a'.repeat(40), 'release/2026-11', 'HEAD^{commit}'])(
    'accepts %j',
    (ref) => {
      expect(checkRev(ref, 'x')).toBe(ref);
    },
  );
});

describe('privileged events', () => {
  it.each(PRIVILEGED_EVENTS)('%s is privileged', (name) => {
    expect(readEvent(name, {}).privileged).toBe(true);
  });
  it.each(['pull_request', 'push', 'merge_group', 'workflow_dispatch', 'schedule'])('%s is not', (name) => {
    expect(readEvent(name, {}).privileged).toBe(false);
  });
});
