import type { Platform } from '../model/oci.js';
import { UserError } from '../errors.js';

export function formatPlatform(p: Platform): string {
  return [p.os, p.architecture, p.variant].filter(Boolean).join('/');
}

export function parsePlatform(text: string): Platform {
  const parts = text.trim().split('/');
  if (parts.length < 2 || parts.length > 3 || parts.some((p) => !/^[a-z0-9_.-]+$/i.test(p))) {
    throw new UserError(`Invalid platform '${text}': expected os/arch[/variant], e.g. linux/amd64`);
  }
  const [os, architecture, variant] = parts as [string, string, string | undefined];
  return variant ? { os, architecture, variant } : { os, architecture };
}

const NODE_ARCH: Record<string, string> = {
  x64: 'amd64',
  arm64: 'arm64',
  arm: 'arm',
  ia32: '386',
  s390x: 's390x',
  ppc64: 'ppc64le',
  riscv64: 'riscv64',
};

export function hostPlatform(): Platform {
  return {
    os: process.platform === 'win32' ? 'windows' : 'linux',
    architecture: NODE_ARCH[process.arch] ?? process.arch,
  };
}

/** Attestation manifests (BuildKit provenance / SBOM) are listed as unknown/unknown and are never images. */
export function isAttestation(d: { platform?: Platform; annotations?: Record<string, string> }): boolean {
  if (d.annotations?.['vnd.docker.reference.type'] === 'attestation-manifest') return true;
  return d.platform?.os === 'unknown' && d.platform?.architecture === 'unknown';
}

/** Same os and architecture; the variant must match only when both sides name one (arm64 ≡ arm64/v8). */
export function platformMatches(candidate: Platform, wanted: Platform): boolean {
  if (candidate.os !== wanted.os || candidate.architecture !== wanted.architecture) return false;
  const a = normalizeVariant(candidate);
  const b = normalizeVariant(wanted);
  return !a || !b || a === b;
}

function normalizeVariant(p: Platform): string | undefined {
  if (p.architecture === 'arm64' && (p.variant === undefined || p.variant === 'v8')) return undefined;
  return p.variant;
}

/**
 * Picks one platform among those an image offers: the one asked for, else the host's, else the only one.
 * `what` names the image in error messages.
 */
export function choosePlatform<T>(
  candidates: { platform: Platform; value: T }[],
  wanted: Platform | undefined,
  what: string,
): { platform: Platform; value: T } {
  const list = () => candidates.map((c) => formatPlatform(c.platform)).join(', ');
  if (candidates.length === 0) throw new UserError(`${what}: no image manifest found`);
  if (wanted) {
    const hit = candidates.find((c) => platformMatches(c.platform, wanted));
    if (!hit) throw new UserError(`${what}: no image for platform ${formatPlatform(wanted)}; it has ${list()}`);
    return hit;
  }
  if (candidates.length === 1) return candidates[0]!;
  const host = candidates.find((c) => platformMatches(c.platform, hostPlatform()));
  if (host) return host;
  throw new UserError(`${what}: several platforms (${list()}); choose one with --platform`);
}
