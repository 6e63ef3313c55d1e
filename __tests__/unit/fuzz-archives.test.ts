import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runFuzzCase, type FuzzOutcome } from '../helpers/fuzz.js';

const tmp = mkdtempSync(join(tmpdir(), 'dsg-fuzz-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Seeds 1–N, the same every run; `npm run fuzz` runs many more. */
const CASES = 250;

describe('the archive readers under fuzzing (issue 9)', () => {
  it(`end every one of ${CASES} generated cases in a report or a one-line error`, { timeout: 120_000 }, async () => {
    const outcomes: FuzzOutcome[] = [];
    for (let seed = 1; seed <= CASES; seed++) outcomes.push(await runFuzzCase(seed, tmp));
    const failures = outcomes.filter((o) => o.result === 'failure');
    expect(failures).toEqual([]);
    // The generator does make both kinds: valid archives are measured, broken ones refused.
    expect(outcomes.filter((o) => o.result === 'report').length).toBeGreaterThan(CASES / 10);
    expect(outcomes.filter((o) => o.result === 'user-error').length).toBeGreaterThan(CASES / 3);
  });
});
