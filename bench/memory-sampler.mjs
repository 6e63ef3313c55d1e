// node --import ./bench/memory-sampler.mjs …: samples process.memoryUsage() every 10 ms and writes the peaks of
// rss, heapUsed, external and arrayBuffers (MB) to the file DSG_MEMORY_OUT names, when the process exits.
import { writeFileSync } from 'node:fs';
import { setInterval } from 'node:timers';

const peak = { rss: 0, heapUsed: 0, external: 0, arrayBuffers: 0 };
const sample = () => {
  const m = process.memoryUsage();
  for (const k of Object.keys(peak)) peak[k] = Math.max(peak[k], m[k]);
};
setInterval(sample, 10).unref();
process.on('exit', () => {
  sample();
  const mb = Object.fromEntries(Object.entries(peak).map(([k, v]) => [k, Math.round(v / 1048576)]));
  if (process.env.DSG_MEMORY_OUT) writeFileSync(process.env.DSG_MEMORY_OUT, JSON.stringify(mb));
});
