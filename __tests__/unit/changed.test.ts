import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildInputs, splitByChange, touches, whyBuild } from '../../src/run/changed.js';
import type { ImageTarget } from '../../src/run/images.js';
import { NO_RULES } from '../../src/model/comparison.js';
import { buildInputs as buildDefaults } from '../helpers/inputs.js';

const target = (name: string, over: Partial<ImageTarget['build']> = {}, headImage = ''): ImageTarget => ({
  name,
  build: buildDefaults(over),
  baseImage: '',
  headImage,
  rules: NO_RULES,
  ignorePaths: [],
});

const root = mkdtempSync(join(tmpdir(), 'dsg-changed-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const noConfig = { root, baseTargets: null };

describe('changed-only', () => {
  it('reads what a build depends on: context, Dockerfile, its own .dockerignore, local named contexts', () => {
    expect(buildInputs(target('api', { context: './services/api/' }).build, root)).toEqual([
      'services/api',
      'services/api/Dockerfile',
      'services/api/Dockerfile.dockerignore',
    ]);
    expect(
      buildInputs(
        target('w', { context: 'w', file: 'docker/w.Dockerfile', buildContexts: ['shared=./libs/shared'] }).build,
        root,
      ),
    ).toEqual(['w', 'docker/w.Dockerfile', 'docker/w.Dockerfile.dockerignore', 'libs/shared']);
    expect(buildInputs(target('root', { context: '.' }).build, root)).toEqual([
      '',
      'Dockerfile',
      'Dockerfile.dockerignore',
    ]);
    // Something outside the repository can change without a commit: never ruled out.
    expect(buildInputs(target('git', { context: 'https://github.com/acme/app.git#main' }).build, root)).toBeNull();
    expect(
      buildInputs(target('img', { context: 'x', buildContexts: ['base=docker-image://alpine'] }).build, root),
    ).toBeNull();
  });

  it('resolves absolute paths and links against the repository root, and is unsure of what leads out', () => {
    mkdirSync(join(root, 'services/lib'), { recursive: true });
    symlinkSync('services/lib', join(root, 'ctx'));
    symlinkSync('/etc', join(root, 'out'));
    expect(buildInputs(target('abs', { context: join(root, 'services/lib') }).build, root)).toContain('services/lib');
    const linked = buildInputs(target('link', { context: 'ctx' }).build, root)!;
    expect(linked).toContain('ctx');
    expect(linked).toContain('services/lib');
    expect(buildInputs(target('out', { context: 'out' }).build, root)).toBeNull();
    expect(buildInputs(target('up', { context: '../elsewhere' }).build, root)).toBeNull();
    expect(buildInputs(target('abs-out', { context: '/srv/app' }).build, root)).toBeNull();
  });

  it('a path counts when it is an input or inside one, not when it only shares a prefix', () => {
    expect(touches(['services/api/main.go'], ['services/api'])).toBe(true);
    expect(touches(['services/api'], ['services/api'])).toBe(true);
    expect(touches(['services/api-v2/main.go'], ['services/api'])).toBe(false);
    expect(touches(['README.md'], [''])).toBe(true);
    expect(touches([], [''])).toBe(false);
  });

  it('splits targets into built and unchanged; a named head image is always kept', () => {
    const api = target('api', { context: 'api' });
    const worker = target('worker', { context: 'worker' });
    const prebuilt = target('prebuilt', { context: 'prebuilt' }, 'docker://registry/app:pr');
    const s = splitByChange([api, worker, prebuilt], ['api/main.go', 'docs/x.md'], noConfig);
    expect(s.build.map((t) => t.name)).toEqual(['api', 'prebuilt']);
    expect(s.unchanged.map((u) => u.target.name)).toEqual(['worker']);
    expect(s.unchanged[0]!.reason).toContain('unchanged in this PR: no change to worker, worker/Dockerfile');
  });

  it('builds when the config changes how an image is built, or a workflow changed, whatever the paths', () => {
    const base = target('api', { context: 'api', target: 'runtime', buildArgs: ['A=1'], platforms: [] });
    const ctx = { root, baseTargets: new Map([['api', base]]) };
    expect(whyBuild(base, ['docs/x.md'], ctx)).toEqual({
      inputs: ['api', 'api/Dockerfile', 'api/Dockerfile.dockerignore'],
    });
    for (const over of [{ target: 'slim' }, { buildArgs: ['A=2'] }, { platforms: ['linux/arm64'] }]) {
      expect(whyBuild(target('api', { ...base.build, ...over }), ['docs/x.md'], ctx)).toBe(
        'its build inputs in the config file changed',
      );
    }
    expect(whyBuild(target('new', { context: 'api' }), [], ctx)).toBe('it is new in the config file');
    expect(whyBuild(base, ['.github/workflows/size.yml'], ctx)).toBe('a workflow file changed');
    expect(
      whyBuild(
        target('x', { context: 'lib', file: 'docker/x.Dockerfile' }),
        ['docker/x.Dockerfile.dockerignore'],
        noConfig,
      ),
    ).toBe('a file it is built from changed');
  });
});
