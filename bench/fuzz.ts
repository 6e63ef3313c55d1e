/**
 * npm run fuzz [-- COUNT [FIRST_SEED]]: the suite's archive fuzzer, longer. Prints how many cases ended in a
 * report, a one-line error or a failure (with the seeds to reproduce each failure), and exits 1 on any failure.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runFuzzCase, type FuzzOutcome } from '../__tests__/helpers/fuzz.js';

const count = Number(process.argv[2] ?? 3000);
const first = Number(process.argv[3] ?? 1);
const tmp = mkdtempSync(join(tmpdir(), 'dsg-fuzz-'));
const started = Date.now();
const tally = { report: 0, 'user-error': 0, failure: 0 };
const failures: FuzzOutcome[] = [];
try {
  for (let seed = first; seed < first + count; seed++) {
    const o = await runFuzzCase(seed, tmp);
    tally[o.result]++;
    if (o.result === 'failure') failures.push(o);
    rmSync(join(tmp, `fuzz-${seed}.tar`), { force: true });
    if ((seed - first + 1) % 500 === 0) console.error(`… ${seed - first + 1} cases`);
  }
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
console.log(
  `fuzz: ${count} cases (seeds ${first}–${first + count - 1}) in ${((Date.now() - started) / 1000).toFixed(1)} s: ` +
    `${tally.report} reports, ${tally['user-error']} one-line errors, ${tally.failure} failures; ` +
    // The cases run one after another in this process: its peak bounds every case's.
    `peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB (limit 256)`,
);
for (const f of failures) console.log(`  seed ${f.seed} (${f.mutation}): ${f.detail}`);
process.exitCode = failures.length || process.resourceUsage().maxRSS > 256 * 1024 ? 1 : 0;
