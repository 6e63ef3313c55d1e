/** The build inputs, named and formatted as in docker/build-push-action. */
export interface BuildInputs {
  context: string;
  file: string;
  target: string;
  buildArgs: string[];
  buildContexts: string[];
  secrets: string[];
  platforms: string[];
  builder: string;
  cacheFrom: string[];
  cacheTo: string[];
  pull: boolean;
  noCache: boolean;
}

export interface BuildPaths {
  /** Root of the checkout being built (the workspace, or the base worktree). */
  root: string;
  tag: string;
  iidFile: string;
  metadataFile: string;
  /** `tty`: buildx draws its own progress on the terminal (`plain` is captured and read). */
  progress?: 'plain' | 'tty';
  /** An OCI archive to write instead of loading into the daemon (multi-platform builds, builders that cannot load). */
  ociDest?: string;
  /**
   * A docker-format archive to write instead of `--load`: with a builder that is not the `docker` driver, BuildKit
   * compresses every layer when it exports, so this one export holds the exact blobs a push stores; the caller
   * measures it, and nothing goes to the daemon.
   */
  exportDest?: string;
}

function resolveIn(root: string, path: string): string {
  if (path.startsWith('/') || /^[a-z]+:\/\//.test(path)) return path;
  return `${root.replace(/\/$/, '')}/${path.replace(/^\.\//, '')}`;
}

/**
 * `docker buildx build` argv for one side. Pure: the same inputs give the same argv. Secrets are passed by env
 * reference (`id=X,env=DSG_SECRET_X`) so their values never appear on a command line.
 */
export function buildxArgs(inputs: BuildInputs, paths: BuildPaths): string[] {
  const args = ['buildx', 'build'];
  if (inputs.builder) args.push('--builder', inputs.builder);
  args.push('--progress', paths.progress ?? 'plain', '--provenance', 'false', '--tag', paths.tag);
  if (paths.ociDest) args.push('--output', `type=oci,dest=${paths.ociDest}`);
  else if (paths.exportDest) args.push('--output', `type=docker,dest=${paths.exportDest}`);
  else args.push('--load');
  args.push('--iidfile', paths.iidFile, '--metadata-file', paths.metadataFile);
  if (inputs.file) args.push('--file', resolveIn(paths.root, inputs.file));
  if (inputs.target) args.push('--target', inputs.target);
  if (inputs.platforms.length) args.push('--platform', inputs.platforms.join(','));
  for (const a of inputs.buildArgs) args.push('--build-arg', a);
  for (const c of inputs.buildContexts) args.push('--build-context', c);
  for (const s of inputs.secrets) {
    const id = s.slice(0, s.indexOf('='));
    args.push('--secret', `id=${id},env=${secretEnvName(id)}`);
  }
  for (const c of inputs.cacheFrom) args.push('--cache-from', c);
  for (const c of inputs.cacheTo) args.push('--cache-to', c);
  if (inputs.pull) args.push('--pull');
  if (inputs.noCache) args.push('--no-cache');
  args.push(resolveIn(paths.root, inputs.context || '.'));
  return args;
}

export function secretEnvName(id: string): string {
  return `DSG_SECRET_${id.replace(/[^A-Za-z0-9]/g, '_').toUpperCase()}`;
}

/** The environment that carries `secrets` (id=value lines) to buildx without putting values in argv. */
export function secretEnv(secrets: string[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const s of secrets) {
    const i = s.indexOf('=');
    env[secretEnvName(s.slice(0, i))] = s.slice(i + 1);
  }
  return env;
}
