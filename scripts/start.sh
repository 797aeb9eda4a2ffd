#!/usr/bin/env bash
# `npm start`: setup (skips what is there), build pkg/, then serve the demo page, the
# reference proxy and the mock Updox on http://127.0.0.1:${PORT:-8080}.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$UPDOX_ROOT"
bash scripts/setup.sh
echo "start: building pkg/ (release)"
bash scripts/build.sh
# Demo mode: the demo page sends without signing in (the proxy prints a warning).
export UPDOX_PROXY_DEMO="${UPDOX_PROXY_DEMO:-1}"
exec node server/dev-server.mjs
