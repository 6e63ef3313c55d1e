#!/usr/bin/env -S MALLOC_ARENA_MAX=2 MALLOC_MMAP_THRESHOLD_=262144 node --max-semi-space-size=1
import * as nodeModule from 'node:module';
import { homedir } from 'node:os';
import { join } from 'node:path';

try {
  const caches = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  nodeModule.enableCompileCache?.(process.env.NODE_COMPILE_CACHE || join(caches, 'docker-size-guard', 'node-compile-cache'));
} catch {
  // no home, or a cache directory it cannot write: compiled as without one
}
await import('./main.js');
