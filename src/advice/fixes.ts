import type { FindingRule } from '../model/finding.js';

/**
 * Each rule's fix in general words. A report read back from another job (`mode: comment`) may be forged, so its
 * fix sentences are replaced by these: what the bot posts with a write token is our text, not the report's.
 */
export const RULE_FIXES: Record<FindingRule, string> = {
  'package-cache':
    'clean the package manager cache in the same `RUN` that fills it, or use `RUN --mount=type=cache` for it',
  'deleted-later':
    'create and remove them in the same `RUN`, or do the work in a build stage and `COPY --from` the result',
  toolchain:
    'build in a stage that has the toolchain and `COPY --from` only what runs; or remove the build dependencies in the `RUN` that used them',
  'dev-files': 'leave them out with `.dockerignore`, or copy only what runs from a build stage',
  'single-stage':
    'split it: a build stage for the build, then a small runtime stage that copies the artifacts with `COPY --from`',
  'full-base': 'run on the slim variant of the base image, and install what is missing explicitly',
  'root-user': 'add an unprivileged user and `USER` it in the final stage',
};
