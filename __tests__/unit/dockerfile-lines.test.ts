/**
 * Layers to Dockerfile lines. The history lines are those of a real BuildKit build of DOCKERFILE (buildx 0.29.1,
 * the docker driver and the docker-container builder gave the same), as `displayInstruction` shows them; the
 * integration test builds it again and checks every layer against the lines it wrote.
 */
import { describe, expect, it } from 'vitest';
import { parseDockerfile } from '../../src/advice/dockerfile.js';
import { dockerfileLines, historyArgs } from '../../src/advice/dockerfile-lines.js';

const DOCKERFILE = `# syntax ignored
FROM busybox AS build
RUN echo built > /out

FROM busybox
ARG VERSION=1
ENV X=y
WORKDIR /app
COPY a.txt ./
COPY --from=build --chmod=644 /out /app/out
RUN --mount=type=tmpfs,target=/t echo "v$VERSION" > /v \\
    && echo more >> /v
RUN <<EOS
echo heredoc > /h
echo two >> /h
EOS
RUN ["sh", "-c", "echo exec > /e"]
ADD a.txt /added.txt
USER nobody
`;
const HISTORY = [
  '<missing>',
  'WORKDIR /app',
  'COPY a.txt ./',
  'COPY --chmod=644 /out /app/out',
  'RUN |1 VERSION=*** echo "v$VERSION" > /v && echo more >> /v',
  'RUN |1 VERSION=*** echo heredoc > /h echo two >> /h',
  'RUN |1 VERSION=*** ‹command hidden: its shell is not one this tool knows›',
  'ADD a.txt /added.txt',
];
const facts = parseDockerfile('Dockerfile', DOCKERFILE);
const lines = (history: string[], target: string | null = null, text = facts) =>
  dockerfileLines(text, 'Dockerfile', history, target).map((l) => (l ? [l.startLine, l.endLine, l.found] : null));

describe('each layer on its Dockerfile lines', () => {
  it('matches the final stage from the last layer back; the base layers are its FROM', () => {
    expect(lines(HISTORY)).toEqual([
      [5, 5, 'from'],
      [8, 8, 'history'],
      [9, 9, 'history'],
      [10, 10, 'history'], // COPY --from: the COPY line in the final stage
      [11, 12, 'history'], // continuation lines, ARG prefix and --mount flags
      [13, 16, 'history'], // heredoc body
      [17, 17, 'order'], // exec form whose text the history hides: the same kind, in the same place
      [18, 18, 'history'],
    ]);
  });

  it('a WORKDIR whose folder existed made no layer; a base of several layers is all FROM', () => {
    expect(lines(['<missing>', 'RUN a', ...HISTORY.slice(2)])).toEqual([
      [5, 5, 'from'],
      [5, 5, 'from'],
      ...lines(HISTORY).slice(2),
    ]);
  });

  it('a final stage built on another stage: its layers on that stage’s lines, then that stage’s FROM', () => {
    const text = parseDockerfile('D', 'FROM debian AS base\nRUN apt-get update\n\nFROM base\nCOPY x /x\n');
    expect(lines(['<missing>', 'RUN apt-get update', 'COPY x /x'], null, text)).toEqual([
      [1, 1, 'from'],
      [2, 2, 'history'],
      [5, 5, 'history'],
    ]);
    // --target picks the stage built.
    expect(lines(['<missing>', 'RUN apt-get update'], 'base', text)).toEqual([
      [1, 1, 'from'],
      [2, 2, 'history'],
    ]);
    expect(lines(['<missing>'], 'nope', text)).toEqual([null]);
  });

  it('never guessed: where history and Dockerfile disagree, the layers before are unknown', () => {
    const text = parseDockerfile('D', 'FROM node\nCOPY . /app\nRUN npm ci\n');
    // A layer the base's ONBUILD added comes before the Dockerfile's own: it is the FROM line's, as it runs there.
    expect(lines(['<missing>', 'ADD x /y', 'COPY . /app', 'RUN npm ci'], null, text)).toEqual([
      [1, 1, 'from'],
      [1, 1, 'from'],
      [2, 2, 'history'],
      [3, 3, 'history'],
    ]);
    expect(lines(['<missing>', 'RUN npm ci', 'COPY . /app'], null, text)).toEqual([null, null, null]);
    expect(lines(['<missing>'], null, text)).toEqual([null]); // fewer layers than instructions
    // FROM scratch has no base layers: a layer left over is unknown.
    const scratch = parseDockerfile('D', 'FROM scratch\nCOPY app /app\n');
    expect(lines(['COPY app /app'], null, scratch)).toEqual([[2, 2, 'history']]);
    expect(lines(['RUN x', 'COPY app /app'], null, scratch)).toEqual([null, [2, 2, 'history']]);
  });

  it('hostile history lines are read in linear time and never throw', () => {
    expect(historyArgs('RUN |999999999 A=1')).toEqual({ keyword: 'RUN', args: '' });
    expect(historyArgs(`RUN ${'--x '.repeat(50_000)}cmd`).args).toBe('cmd');
    expect(lines(['', ' ', 'x'.repeat(100_000)], null, parseDockerfile('D', 'FROM a\nRUN b\n'))).toEqual([
      null,
      null,
      null,
    ]);
  });
});
