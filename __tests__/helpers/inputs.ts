import type { BuildInputs } from '../../src/buildx/buildx-args.js';

/** Build inputs as the action's defaults give them, with the fields a test sets. */
export function buildInputs(over: Partial<BuildInputs> = {}): BuildInputs {
  return {
    context: '.',
    file: '',
    target: '',
    buildArgs: [],
    buildContexts: [],
    secrets: [],
    platforms: [],
    builder: '',
    cacheFrom: [],
    cacheTo: [],
    pull: false,
    noCache: false,
    ...over,
  };
}
