import { Copy, DockerfileParser, From } from 'dockerfile-ast';

export interface DockerfileStage {
  /** The FROM image as written (`python:3.11`), or the stage it builds on. */
  from: string;
  fromImage: string;
  fromTag: string | null;
  name: string | null;
  /** The FROM instruction's lines (1-based, inclusive). */
  lines: LineRange;
  instructions: DockerfileInstruction[];
}

export interface LineRange {
  start: number;
  end: number;
}

export interface DockerfileInstruction {
  keyword: string;
  args: string;
  copyFrom: string | null;
  /** Lines of the instruction as written (1-based, inclusive): continuation lines and heredoc bodies included. */
  lines: LineRange;
}

/** What the advice needs to know of a Dockerfile: its stages, the last of which is the image. */
export interface DockerfileFacts {
  path: string;
  /** The text parsed: BuildKit's source map counts only for the same text. */
  content: string;
  stages: DockerfileStage[];
}

/** Parses a Dockerfile with dockerfile-ast, the parser behind the VS Code Docker language server. */
export function parseDockerfile(path: string, content: string): DockerfileFacts {
  const doc = DockerfileParser.parse(content);
  const stages: DockerfileStage[] = [];
  for (const instruction of doc.getInstructions()) {
    const keyword = instruction.getKeyword().toUpperCase();
    const range = instruction.getRange();
    const lines = { start: range.start.line + 1, end: range.end.line + 1 };
    if (instruction instanceof From) {
      const from = instruction;
      stages.push({
        from: from.getImage() ?? '',
        fromImage: from.getImageName() ?? '',
        fromTag: from.getImageTag() ?? null,
        name: from.getBuildStage() ?? null,
        lines,
        instructions: [],
      });
      continue;
    }
    const stage = stages[stages.length - 1];
    if (!stage) continue; // ARG before the first FROM
    const copyFrom = instruction instanceof Copy ? (instruction.getFromFlag()?.getValue() ?? null) : null;
    stage.instructions.push({ keyword, args: instruction.getArgumentsContent() ?? '', copyFrom, lines });
  }
  return { path, content, stages };
}
