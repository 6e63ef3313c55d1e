#!/usr/bin/env node
import { run } from './main.js';

// Node 20 reached end of life in April 2026; what this needs is tested on 22 and 24 (package.json engines).
const major = Number(process.versions.node.split('.')[0]);
if (major < 22) {
  process.stderr.write(
    `error: docker-size-guard needs Node.js 22 or later; this is ${process.version} (Node 20 reached end of life in April 2026)\n`,
  );
  process.exitCode = 2;
} else process.exitCode = await run(process.argv.slice(2));
