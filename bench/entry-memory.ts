/**
 * node --import tsx bench/entry-memory.ts IMAGE: measures IMAGE in this process, as the CLI does, and prints what
 * the measurement keeps per tar entry by design: the path tree's and the entry lists' typed arrays, which hold every
 * path and entry across layers. JSON on stdout.
 *
 * A difference of `process.memoryUsage()` before and after was tried beside it and dropped: it moves with the
 * collector and with code compiled on the way (one run gave 549 B per entry, another −109 on the same image).
 */
import { measureImage } from '../src/engine.js';
import { paths } from '../src/model/path-trie.js';

const report = await measureImage(process.argv[2]!, { files: true, compressedEstimate: false });
const layers = report.contents!.layers;
const entries = layers.reduce((s, l) => s + l.length, 0);
const typed = paths.retainedBytes + layers.reduce((s, l) => s + l.retainedBytes, 0);
console.log(JSON.stringify({ entries, paths: paths.size, typedBytesPerEntry: typed / entries }));
