import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { EstimatePool, GzipSizeEstimator } from '../../src/measure/gzip-estimate.js';
import { randomBytes } from '../helpers/archives.js';

async function estimate(data: Buffer, chunk: number): Promise<number> {
  const e = new GzipSizeEstimator(new EstimatePool(chunk, 2, 4));
  for (let i = 0; i < data.length; i += 65536) await e.write(data.subarray(i, i + 65536));
  return e.finish();
}

describe('chunked gzip estimate', () => {
  it('equals one gzip stream when the data fits one chunk', async () => {
    const data = Buffer.from('hello world '.repeat(10000));
    expect(await estimate(data, 1 << 20)).toBe(gzipSync(data, { level: 4 }).length);
  });

  it('stays within 0.5 % of one stream across many chunks (text and random data)', async () => {
    const text = Buffer.from(
      Array.from({ length: 200000 }, (_, i) => `line ${i} of a log file with ${i % 97} words\n`).join(''),
    );
    const data = Buffer.concat([text, randomBytes(3_000_000)]);
    const whole = gzipSync(data, { level: 4 }).length;
    const chunked = await estimate(data, 1 << 20);
    expect(Math.abs(chunked - whole) / whole).toBeLessThan(0.005);
  });

  it('counts an empty stream as an empty gzip member', async () => {
    expect(await estimate(Buffer.alloc(0), 1024)).toBe(gzipSync(Buffer.alloc(0), { level: 4 }).length);
  });
});

describe('the shared pool', () => {
  it('gives every estimator its own exact sum while they share two slots and their buffers', async () => {
    const pool = new EstimatePool(64 * 1024, 2, 4);
    const data = [0, 1, 2].map((i) => Buffer.concat([randomBytes(300_000, i + 1), Buffer.alloc(200_000, i)]));
    const alone = await Promise.all(data.map((d) => estimate(d, 64 * 1024)));
    // Three layers written at once, interleaved, through one pool of two slots.
    const together = data.map(() => new GzipSizeEstimator(pool));
    for (let at = 0; at < 500_000; at += 50_000) {
      for (const [i, e] of together.entries()) {
        const wait = e.write(data[i]!.subarray(at, at + 50_000));
        if (wait) await wait;
      }
    }
    expect(await Promise.all(together.map((e) => e.finish()))).toEqual(alone);
  });
});
