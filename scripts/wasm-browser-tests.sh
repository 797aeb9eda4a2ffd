#!/usr/bin/env bash
# The Rust browser tests (tests/web.rs, wasm-bindgen-test) in one engine, with the loopback
# fault server they fetch from:
#   bash scripts/wasm-browser-tests.sh [chromium|firefox|webkit] [wasm-pack test args...]
#   chromium  wasm-pack test --headless --chrome: Debian's Chromium through ChromeDriver
#   firefox   wasm-pack test --headless --firefox: Firefox ESR through geckodriver
#   webkit    wasm-pack test --headless --safari with WebKitWebDriver as the Safari driver
#             (it starts WebKitGTK's MiniBrowser), on $DISPLAY or an Xvfb started here
# webdriver.json gives each driver its browser options.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$UPDOX_ROOT"
updox_select_toolchain

engine=${1:-chromium}
[ $# -gt 0 ] && shift
pids=()
out=$(mktemp)
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  rm -f "$out" "$out.display"
}
trap cleanup EXIT

case $engine in
  chromium) driver_args=(--chrome --chromedriver "$CHROMEDRIVER") ;;
  firefox) driver_args=(--firefox --geckodriver "$UPDOX_GECKODRIVER") ;;
  webkit)
    driver_args=(--safari --safaridriver "$WEBKIT_DRIVER")
    if [ -z "${DISPLAY:-}" ]; then
      Xvfb -displayfd 3 -nolisten tcp 3>"$out.display" 2>/dev/null &
      pids+=($!)
      for _ in $(seq 100); do
        [ -s "$out.display" ] && break
        sleep 0.1
      done
      [ -s "$out.display" ] || { echo "Xvfb did not start" >&2; exit 1; }
      export DISPLAY=":$(head -n 1 "$out.display")"
    fi
    ;;
  *) echo "unknown engine $engine (chromium, firefox or webkit)" >&2; exit 2 ;;
esac

node tests/support/fault-server.mjs >"$out" &
pids+=($!)
for _ in $(seq 50); do
  [ -s "$out" ] && break
  sleep 0.1
done
UPDOX_TEST_SERVER=$(head -n 1 "$out")
[ -n "$UPDOX_TEST_SERVER" ] || { echo "fault server did not start" >&2; exit 1; }
export UPDOX_TEST_SERVER
# wasm-bindgen-test-runner's per-run limit; a loaded 2-core machine needs more than 20 s.
export WASM_BINDGEN_TEST_TIMEOUT="${WASM_BINDGEN_TEST_TIMEOUT:-180}"
wasm-pack test --headless "${driver_args[@]}" "$@"
