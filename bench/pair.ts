// Measures two daemon images together (one save, shared layers analysed once), as compare and the action do.
import { measureImages } from '../src/engine.js';

const [base, head] = process.argv.slice(2);
const reports = await measureImages([base!, head!], { files: true, compressedEstimate: false });
if (reports.length !== 2 || reports.some((r) => r.layerCount === 0)) process.exit(1);
