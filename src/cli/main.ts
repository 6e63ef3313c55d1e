import { UserError, errorMessage } from '../errors.js';
import { COMPARE_USAGE, compareCommand } from './compare.js';
import { DIFF_USAGE, diffCommand } from './diff.js';
import { HISTORY_USAGE, historyCommand } from './history.js';
import { MEASURE_USAGE, measureCommand } from './measure.js';
import { processOutput, type Output } from './output.js';

const USAGE = `docker-size-guard: measure Docker images and keep them from growing

Commands:
  measure IMAGE        total, per-layer and file-level sizes of one image
  compare BASE HEAD    the change between two images, judged against thresholds
  diff                 build this checkout and its merge base with buildx, then compare them
  history              the size history of the default branch, as a trend; backfill it from past commits

${MEASURE_USAGE}
${COMPARE_USAGE}
${DIFF_USAGE}
${HISTORY_USAGE}`;

/** Runs the CLI; returns the exit code (0 ok, 1 check failed, 2 bad input). Errors are handled here, once. */
export async function run(argv: string[], io: Output = processOutput): Promise<number> {
  const [command, ...rest] = argv;
  const usage: Record<string, string> = {
    measure: MEASURE_USAGE,
    compare: COMPARE_USAGE,
    diff: DIFF_USAGE,
    history: HISTORY_USAGE,
  };
  if (command && usage[command] && (rest.includes('--help') || rest.includes('-h'))) {
    io.out(usage[command]);
    return 0;
  }
  try {
    switch (command) {
      case 'measure':
        return await measureCommand(rest, io);
      case 'compare':
        return await compareCommand(rest, io);
      case 'diff':
        return await diffCommand(rest, io);
      case 'history':
        return await historyCommand(rest, io);
      case undefined:
      case '-h':
      case '--help':
      case 'help':
        io.out(USAGE);
        return command === undefined ? 2 : 0;
      default:
        throw new UserError(`unknown command '${command}' (try: docker-size-guard --help)`);
    }
  } catch (err) {
    // parseArgs reports unknown flags with a code; those are bad input too.
    const code = (err as { code?: string }).code;
    if (err instanceof UserError || code?.startsWith('ERR_PARSE_ARGS')) {
      // One line: parseArgs explains some errors over three.
      io.err(`error: ${errorMessage(err).split('\n')[0]}\n`);
      return 2;
    }
    io.err(`error: internal error: ${errorMessage(err)}\n`);
    return 3;
  }
}
