/**
 * node --expose-gc --import tsx bench/entry-memory.ts IMAGE: measures IMAGE in this process, as the CLI does, and
 * prints what the measurement keeps per tar entry once the garbage is collected: the path tree's and the entry
 * lists' typed arrays, and all the heap and array-buffer memory it added, less the package-database bodies it keeps
 * under their own budget. JSON on stdout.
 */
import { measureImage } from '../src/engine.js';
import { paths } from '../src/model/path-trie.js';

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with --expose-gc');
// A metadata-only read first, so that what loading the code costs (dockerode, the schemas) is not counted.
await measureImage(process.argv[2]!, { files: false, compressedEstimate: false });
gc();
const before = process.memoryUsage();
const report = await measureImage(process.argv[2]!, { files: true, compressedEstimate: false });
gc();
const after = process.memoryUsage();
const layers = report.contents!.layers;
const entries = layers.reduce((s, l) => s + l.length, 0);
const typed = paths.retainedBytes + layers.reduce((s, l) => s + l.retainedBytes, 0);
// Package-database bodies (dpkg's lists, …) are kept too, under their own budget: counted apart.
const captured = report.contents!.captured.flat().reduce((s, f) => s + (f.body?.length ?? 0), 0);
const kept = after.heapUsed - before.heapUsed + (after.arrayBuffers - before.arrayBuffers) - captured;
console.log(
  JSON.stringify({
    entries,
    paths: paths.size,
    typedBytesPerEntry: typed / entries,
    keptBytesPerEntry: kept / entries,
    capturedMB: captured / 1048576,
  }),
);
