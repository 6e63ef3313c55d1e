import { readdir } from 'node:fs/promises';
import { constants, setPriority } from 'node:os';
import { promisify } from 'node:util';
import { deflate } from 'node:zlib';

/**
 * Lowers this process's CPU priority (nice 10), so that measuring one image while the other builds takes the CPU
 * the build leaves idle instead of slowing the build: on a 2-core runner that is the difference between hiding
 * the measurement behind the build and adding to it. Linux keeps a nice value per thread, so every thread is
 * lowered, after the libuv pool (where compression runs) has started. Best effort: nothing fails if it cannot.
 */
export async function yieldCpuToBuilds(): Promise<void> {
  if (process.platform !== 'linux') return;
  try {
    await promisify(deflate)(Buffer.alloc(1));
    for (const tid of await readdir('/proc/self/task'))
      setPriority(Number(tid), constants.priority.PRIORITY_BELOW_NORMAL);
  } catch {
    // Not permitted or not Linux-like: run at normal priority.
  }
}
