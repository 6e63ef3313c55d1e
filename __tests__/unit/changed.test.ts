import { describe, expect, it } from 'vitest';
import { buildInputs, splitByChange, touches } from '../../src/run/changed.js';
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

describe('changed-only', () => {
  it('reads what a build depends on: context, Dockerfile, local named contexts', () => {
    expect(buildInputs(target('api', { context: './services/api/' }).build)).toEqual([
      'services/api',
      'services/api/Dockerfile',
    ]);
    expect(
      buildInputs(
        target('w', { context: 'w', file: 'docker/w.Dockerfile', buildContexts: ['shared=./libs/shared'] }).build,
      ),
    ).toEqual(['w', 'docker/w.Dockerfile', 'libs/shared']);
    expect(buildInputs(target('root', { context: '.' }).build)).toEqual(['', 'Dockerfile']);
    // Something outside the repository can change without a commit: never ruled out.
    expect(buildInputs(target('git', { context: 'https://github.com/acme/app.git#main' }).build)).toBeNull();
    expect(
      buildInputs(target('img', { context: 'x', buildContexts: ['base=docker-image://alpine'] }).build),
    ).toBeNull();
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
    const s = splitByChange([api, worker, prebuilt], ['api/main.go', 'docs/x.md']);
    expect(s.build.map((t) => t.name)).toEqual(['api', 'prebuilt']);
    expect(s.unchanged.map((t) => t.name)).toEqual(['worker']);
  });
});
