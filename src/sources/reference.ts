import { UserError } from '../errors.js';

export type ImageReference =
  | { transport: 'docker-daemon'; name: string }
  | { transport: 'docker-archive'; path: string; name?: string }
  | { transport: 'oci-archive'; path: string; name?: string }
  | { transport: 'oci'; path: string; name?: string }
  | { transport: 'docker'; name: string };

const TRANSPORTS = ['docker-daemon', 'docker-archive', 'oci-archive', 'oci', 'docker'] as const;
/** skopeo's other transports: named so that a typo gets a clear error instead of a daemon lookup. */
const UNSUPPORTED = ['containers-storage', 'dir', 'ostree', 'sif', 'tarball', 'podman', 'docker-tar'];

/** Splits `PATH[:NAME]` the way skopeo does: the name follows the last colon, if the part before exists as given. */
function pathAndName(rest: string): { path: string; name?: string } {
  const i = rest.lastIndexOf(':');
  if (i > 0 && !rest.slice(i + 1).includes('/')) return { path: rest.slice(0, i), name: rest.slice(i + 1) };
  return { path: rest };
}

/**
 * Parses an image reference in skopeo's transport syntax. A bare `name[:tag]` means the local daemon.
 * `exists` decides whether `PATH:NAME` is a path with a colon or a path plus an image name.
 */
export function parseReference(text: string, exists: (path: string) => boolean = () => false): ImageReference {
  const trimmed = text.trim();
  if (!trimmed) throw new UserError('Invalid image reference: it is empty');
  const m = /^([a-z-]+):(.*)$/.exec(trimmed);
  if (m && (TRANSPORTS as readonly string[]).includes(m[1]!)) {
    const transport = m[1] as (typeof TRANSPORTS)[number];
    const rest = m[2]!;
    if (!rest) throw new UserError(`Invalid image reference '${text}': nothing after '${transport}:'`);
    switch (transport) {
      case 'docker-daemon':
        return { transport, name: rest };
      case 'docker':
        if (!rest.startsWith('//'))
          throw new UserError(`Invalid image reference '${text}': expected docker://HOST/REPO[:TAG]`);
        return { transport, name: rest.slice(2) };
      default: {
        if (exists(rest)) return { transport, path: rest };
        const { path, name } = pathAndName(rest);
        return name ? { transport, path, name } : { transport, path };
      }
    }
  }
  if (m && UNSUPPORTED.includes(m[1]!)) {
    throw new UserError(
      `Invalid image reference '${text}': unsupported transport '${m[1]}' (use one of ${TRANSPORTS.join(', ')})`,
    );
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed)) {
    throw new UserError(`Invalid image reference '${text}': unknown transport (use one of ${TRANSPORTS.join(', ')})`);
  }
  if (!/^[A-Za-z0-9][A-Za-z0-9._\-/:@]*$/.test(trimmed)) {
    throw new UserError(`Invalid image reference '${text}': not an image name`);
  }
  return { transport: 'docker-daemon', name: trimmed };
}

export function formatReference(ref: ImageReference): string {
  switch (ref.transport) {
    case 'docker-daemon':
      return `docker-daemon:${ref.name}`;
    case 'docker':
      return `docker://${ref.name}`;
    default:
      return `${ref.transport}:${ref.path}${ref.name ? ':' + ref.name : ''}`;
  }
}
