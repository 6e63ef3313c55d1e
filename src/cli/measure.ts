import { progressLine, type MeasureProgress } from '../measure/progress.js';
import { dirname } from 'node:path';
import { withDockerfileLines } from '../advice/dockerfile-lines.js';
import { withFindings } from '../advice/advise.js';
import { gatherAdvice } from '../run/gather-advice.js';
import { measureImage } from '../engine.js';
import { applyIgnore, checkIgnorePaths } from '../measure/ignore.js';
import { checkPath } from '../sources/files.js';
import { UserError } from '../errors.js';
import { renderImageMarkdown } from '../report/image-markdown.js';
import { renderImageText } from '../report/image-text.js';
import { parsePlatform } from '../sources/platform.js';
import { IMAGE_FLAGS, parseFormat } from './args.js';
import type { Output } from './output.js';
import { parseArgs } from 'node:util';

export const MEASURE_USAGE = `Usage: docker-size-guard measure IMAGE [--platform os/arch[/variant]] [--format text|json|markdown]
                                       [--no-files] [--no-compressed-estimate]
                                       [--dockerfile PATH [--context DIR] [--target STAGE]] [--ignore-path GLOB]…

IMAGE: name[:tag] or docker-daemon:NAME (local Docker Engine), docker-archive:PATH[:NAME] (docker save),
       oci-archive:PATH[:NAME], oci:DIR[:NAME] (OCI layout), docker://HOST/REPO[:TAG|@DIGEST] (registry)
`;

export async function measureCommand(argv: string[], io: Output): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      ...IMAGE_FLAGS,
      'no-compressed-estimate': { type: 'boolean', default: false },
      dockerfile: { type: 'string' },
      context: { type: 'string' },
      target: { type: 'string' },
    },
  });
  if (positionals.length !== 1)
    throw new UserError(`measure takes one IMAGE, got ${positionals.length} (see docker-size-guard measure --help)`);
  const format = parseFormat(values.format);
  const ignore = checkIgnorePaths(values['ignore-path'], '--ignore-path');
  // On a terminal, one line that moves as the layers are read; nothing where stderr is a log or a pipe.
  let shown = false;
  const measured = await measureImage(positionals[0]!, {
    platform: values.platform ? parsePlatform(values.platform) : undefined,
    files: !values['no-files'],
    compressedEstimate: !values['no-compressed-estimate'],
    ...(io.errIsTerminal
      ? {
          onProgress: (p: MeasureProgress) => {
            shown = true;
            io.err(`\r\x1b[Kmeasuring: ${progressLine(p)}`);
          },
        }
      : {}),
  }).finally(() => {
    if (shown) io.err('\r\x1b[K');
  });
  const ignored = applyIgnore(measured, ignore);
  if (values.dockerfile !== undefined) await checkPath(values.dockerfile, `--dockerfile ${values.dockerfile}`, false);
  const extras =
    values.dockerfile !== undefined
      ? await gatherAdvice({
          dockerfilePath: values.dockerfile,
          contextDir: values.context ?? dirname(values.dockerfile),
        })
      : { dockerfile: null };
  const report = withFindings(
    withDockerfileLines(ignored, extras.dockerfile, values.dockerfile ?? '', values.target ?? null),
    extras,
  );
  if (format === 'json') io.out(JSON.stringify(report, null, 2) + '\n');
  else if (format === 'markdown') io.out(renderImageMarkdown(report));
  else io.out(renderImageText(report));
  return 0;
}
