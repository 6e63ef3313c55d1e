import { describe, expect, it } from 'vitest';
import { redactValues, secretValues } from '../../src/run/redact.js';
import {
  HIDDEN_COMMAND,
  displayInstruction,
  instructionsForLayers,
  redactBuildArgs,
} from '../../src/measure/history.js';

describe('history', () => {
  it.each([
    ['RUN |1 NPM_TOKEN=s3cr3t /bin/sh -c npm ci # buildkit', 'RUN |1 NPM_TOKEN=*** npm ci'],
    ['|2 A=one B=two words /bin/sh -c make', 'RUN |2 A=*** B=*** make'],
    ['RUN |1 TOKEN=abc echo hi # buildkit', `RUN |1 TOKEN=*** ${HIDDEN_COMMAND}`],
    // What issue 9 found leaking: values with spaces or ` [`, other shells, exec form, credentials in URLs.
    ['RUN |1 TOKEN=hunter2 tail /bin/busybox sh -c echo # buildkit', 'RUN |1 TOKEN=*** /bin/busybox sh -c echo'],
    ['RUN |1 TOKEN=hunter2 tail /usr/bin/bash -c echo', 'RUN |1 TOKEN=*** /usr/bin/bash -c echo'],
    ['RUN |1 TOKEN=hunter2 tail /bin/zsh -c echo', 'RUN |1 TOKEN=*** /bin/zsh -c echo'],
    ['RUN |1 TOKEN=a [b] c /bin/sh -c make', 'RUN |1 TOKEN=*** make'],
    ['RUN |1 TOKEN=hunter2 tail [ "echo", "x" ]', `RUN |1 TOKEN=*** ${HIDDEN_COMMAND}`],
    ['RUN |2 A=x B=hunter2 tail /bin/sh -c make', 'RUN |2 A=*** B=*** make'],
    ['ADD https://user:s3cret@host.example/f.tgz /f # buildkit', 'ADD https://***@host.example/f.tgz /f'],
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

  it('replaces every known value wherever it surfaced, in every string of a result', () => {
    const secrets = secretValues(['TOKEN=hunter2 tail', 'X=ab', 'EMPTY=']);
    expect(secrets).toEqual(['hunter2 tail']);
    const out = redactValues(
      {
        instruction: 'WORKDIR /opt/hunter2 tail',
        paths: ['/x/hunter2 tail/y'],
        n: 5,
        nested: [{ s: 'hunter2 tail!' }],
      },
      secrets,
    );
    expect(JSON.stringify(out)).not.toContain('hunter2');
    expect(out).toEqual({ instruction: 'WORKDIR /opt/***', paths: ['/x/***/y'], n: 5, nested: [{ s: '***!' }] });
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
