#!/usr/bin/env bash
# The Rust browser tests: `wasm-pack test --headless --chrome` (Debian's Chromium through
# CHROMEDRIVER and webdriver.json), with the loopback fault server they fetch from.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$UPDOX_ROOT"
updox_select_toolchain

out=$(mktemp)
node tests/support/fault-server.mjs >"$out" &
server=$!
trap 'kill $server 2>/dev/null; rm -f "$out"' EXIT
for _ in $(seq 50); do
  [ -s "$out" ] && break
  sleep 0.1
done
UPDOX_TEST_SERVER=$(head -n 1 "$out")
[ -n "$UPDOX_TEST_SERVER" ] || { echo "fault server did not start" >&2; exit 1; }
export UPDOX_TEST_SERVER
# wasm-bindgen-test-runner's per-run limit; a loaded 2-core machine needs more than 20 s.
export WASM_BINDGEN_TEST_TIMEOUT="${WASM_BINDGEN_TEST_TIMEOUT:-180}"
wasm-pack test --headless "${@:---chrome}"
