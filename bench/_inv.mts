import { measureReference } from '../src/engine.js';
import { parseReference } from '../src/sources/reference.js';
const ref = process.argv[2]!;
const t0 = Date.now();
const r = await measureReference(parseReference(ref), { files: true, compressedEstimate: false });
console.log('ms', Date.now() - t0, 'rss', Math.round(process.memoryUsage().rss / 1e6));
const p = r.packages!;
console.log('final', p.finalBytes, 'notRead', p.notRead);
for (const e of p.ecosystems) {
  const owned = e.packages.reduce((s, x) => s + x.bytes, 0);
  console.log(
    e.ecosystem,
    e.packages.length,
    'owned',
    owned,
    'unowned',
    e.unowned,
    'sum ok',
    owned + e.unowned.bytes === p.finalBytes,
    e.notes,
  );
  for (const x of e.packages.slice(0, 6))
    console.log('  ', x.name, x.version, x.bytes, x.files, x.declaredBytes, x.layer, x.location ?? '');
}
