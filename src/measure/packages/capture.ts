import type { Ecosystem } from '../../model/packages.js';

/**
 * Which files of a layer the measuring pass keeps the body of: the package databases, each bounded. Everything
 * else is counted from its tar header and skipped. A body over its limit is not kept; the reader then names the
 * file and skips the ecosystem (dpkg `status`, apk `installed`) or that package.
 */
export interface CaptureRule {
  ecosystem: Ecosystem;
  /** Largest body kept, in bytes. */
  limit: number;
  /** Keep the first `limit` bytes of a longer file instead of none (headers that come first: METADATA). */
  prefix?: boolean;
}

const MiB = 1024 * 1024;
const STATUS: CaptureRule = { ecosystem: 'deb', limit: 16 * MiB };
const DEB_LIST: CaptureRule = { ecosystem: 'deb', limit: 8 * MiB };
const DEB_STATUS_D: CaptureRule = { ecosystem: 'deb', limit: 4 * MiB };
const APK: CaptureRule = { ecosystem: 'apk', limit: 16 * MiB };
const PY_RECORD: CaptureRule = { ecosystem: 'python', limit: 8 * MiB };
const PY_HEADERS: CaptureRule = { ecosystem: 'python', limit: 64 * 1024, prefix: true };
const PY_LIST: CaptureRule = { ecosystem: 'python', limit: 1 * MiB };
const NODE: CaptureRule = { ecosystem: 'node', limit: 1 * MiB };

/** All captured bodies of one image together stay under this; past it, bodies are dropped like oversized ones. */
export const CAPTURE_BUDGET = 96 * MiB;

function parentName(path: string, end: number): string {
  return path.slice(path.lastIndexOf('/', end - 1) + 1, end);
}

/** The rule for a path of a layer, or null (most paths: decided by the last few characters). */
export function captureRule(path: string): CaptureRule | null {
  const slash = path.lastIndexOf('/');
  const base = path.slice(slash + 1);
  switch (base) {
    case 'status':
      return path === '/var/lib/dpkg/status' ? STATUS : null;
    case 'installed':
      return path === '/lib/apk/db/installed' ? APK : null;
    case 'RECORD':
      return parentName(path, slash).endsWith('.dist-info') ? PY_RECORD : null;
    case 'METADATA':
      return parentName(path, slash).endsWith('.dist-info') ? PY_HEADERS : null;
    case 'PKG-INFO':
      return parentName(path, slash).endsWith('.egg-info') ? PY_HEADERS : null;
    case 'installed-files.txt':
    case 'top_level.txt':
      return parentName(path, slash).endsWith('.egg-info') ? PY_LIST : null;
    case 'package.json': {
      // <dir>/node_modules/<name>/package.json or <dir>/node_modules/@scope/<name>/package.json
      const dir = path.lastIndexOf('/', slash - 1);
      if (dir < 0) return null;
      const up = parentName(path, dir);
      if (up === 'node_modules') return NODE;
      if (up.startsWith('@') && parentName(path, path.lastIndexOf('/', dir - 1)) === 'node_modules') return NODE;
      return null;
    }
  }
  if (base.endsWith('.list') && path.startsWith('/var/lib/dpkg/info/') && slash === 18) return DEB_LIST;
  if (path.startsWith('/var/lib/dpkg/status.d/') && slash === 22) return DEB_STATUS_D;
  // An .egg-info that is a file is PKG-INFO itself (distutils' single-file form).
  if (base.endsWith('.egg-info') && /\/(site|dist)-packages$/.test(path.slice(0, slash))) return PY_HEADERS;
  return null;
}
