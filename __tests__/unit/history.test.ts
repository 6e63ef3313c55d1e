import { describe, expect, it } from 'vitest';
import { displayInstruction, instructionsForLayers, redactBuildArgs } from '../../src/measure/history.js';

describe('history', () => {
  it.each([
    ['RUN |1 NPM_TOKEN=s3cr3t /bin/sh -c npm ci # buildkit', 'RUN |1 NPM_TOKEN=*** npm ci'],
    ['|2 A=one B=two words /bin/sh -c make', 'RUN |2 A=*** B=*** make'],
    ['RUN |1 TOKEN=abc echo hi # buildkit', 'RUN |1 TOKEN=*** echo hi'],
    ['/bin/sh -c #(nop)  CMD ["sh"]', 'CMD ["sh"]'],
    ['/bin/sh -c apt-get update', 'RUN apt-get update'],
    ['COPY . /app # buildkit', 'COPY . /app'],
    ['WORKDIR /app', 'WORKDIR /app'],
  ])('%s → %s', (input, expected) => {
    expect(displayInstruction(input)).toBe(expected);
  });

  it('never leaves a value with spaces behind', () => {
    expect(redactBuildArgs('RUN |1 PASS=a b c /bin/sh -c x')).toBe('RUN |1 PASS=*** /bin/sh -c x');
  });

  it('maps non-empty history entries to layers and marks missing ones', () => {
    const h = [
      { created_by: 'A' },
      { created_by: 'ENV X=1', empty_layer: true },
      { created_by: 'B' },
      { created_by: 'C' },
    ];
    expect(instructionsForLayers(h, 2)).toEqual(['A', 'B']);
    expect(instructionsForLayers(h, 4)).toEqual(['A', 'B', 'C', '<missing>']);
    expect(instructionsForLayers(undefined, 1)).toEqual(['<missing>']);
  });
});
