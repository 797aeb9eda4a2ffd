#!/usr/bin/env bash
# `npm run example`: setup (skips what is there), build pkg/, then the example portal
# (scripts/example.mjs) on http://127.0.0.1:${PORT:-8090}/.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$UPDOX_ROOT"
bash scripts/setup.sh
echo "example: building pkg/ (release)"
bash scripts/build.sh
exec node scripts/example.mjs
