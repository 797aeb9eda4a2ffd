#!/usr/bin/env bash
# Builds the npm package into pkg/: wasm-pack (release, --target web), then the finishing touches wasm-pack does not do
# (scripts/finish-pkg.mjs), then the server side (pkg-proxy.mjs).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$UPDOX_ROOT"
updox_select_toolchain || { echo "build: no wasm32 toolchain; run scripts/setup.sh" >&2; exit 1; }
wasm-pack --quiet build --target web --release --out-dir pkg --out-name updox_direct "$@"
node scripts/finish-pkg.mjs
node scripts/pkg-proxy.mjs
