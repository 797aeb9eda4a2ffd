#!/usr/bin/env bash
# `npm test`: every check, in order, each counted; ends with "N passed, M failed" and exits
# non-zero if anything failed. Output of each step goes to test-output/logs/ as well.
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$UPDOX_ROOT"

bash scripts/setup.sh || { echo "setup failed"; echo "0 passed, 1 failed"; exit 1; }
updox_select_toolchain

LOGS=test-output/logs
mkdir -p "$LOGS"
PASSED=0
FAILED=0
FAILED_STEPS=()

# Sums "N passed; M failed" from Rust test summaries in $1.
rust_counts() {
  awk '/^test result: /{
        for (i = 1; i <= NF; i++) { if ($(i) ~ /^passed/) p += $(i-1); if ($(i) ~ /^failed/) f += $(i-1) }
      } END { printf "%d %d\n", p, f }' "$1"
}
# Node's test runner closes with "ℹ pass N" / "ℹ fail N" (spec reporter).
node_counts() {
  awk '/^[^ ]+ pass [0-9]+$/{p = $3} /^[^ ]+ fail [0-9]+$/{f = $3} END { printf "%d %d\n", p, f }' "$1"
}

# step NAME COUNTER CMD... : runs CMD, shows and logs its output, adds its counts, and
# reports the step's wall time.
step() {
  local name=$1 counter=$2 log started seconds
  shift 2
  log="$LOGS/$(echo "$name" | tr -c 'a-zA-Z0-9\n' '-').log"
  echo
  echo "=== $name"
  started=$SECONDS
  "$@" 2>&1 | tee "$log"
  local rc=${PIPESTATUS[0]} p=0 f=0
  seconds=$((SECONDS - started))
  if [ "$counter" != none ]; then
    read -r p f < <("$counter" "$log")
  fi
  if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
  if [ "$counter" = none ] && [ "$rc" -eq 0 ]; then p=1; fi
  # A test command that ran no test has proved nothing.
  if [ "$counter" != none ] && [ "$rc" -eq 0 ] && [ "$p" -eq 0 ]; then
    echo "$name: ran no test"
    f=$((f + 1))
  fi
  PASSED=$((PASSED + p))
  FAILED=$((FAILED + f))
  [ "$f" -eq 0 ] || FAILED_STEPS+=("$name")
  echo "--- $name: $p passed, $f failed ($seconds s)"
  SUMMARY+=("$(printf '%-52s %4d passed, %d failed  %4d s' "$name" "$p" "$f" "$seconds")")
}
SUMMARY=()

# One X display for the whole run, for WebKit's MiniBrowser (it has no headless mode).
DISPLAY_FILE=$(mktemp)
Xvfb -displayfd 3 -nolisten tcp -screen 0 1280x1024x24 3>"$DISPLAY_FILE" 2>/dev/null &
XVFB_PID=$!
trap 'kill $XVFB_PID 2>/dev/null; rm -f "$DISPLAY_FILE"' EXIT
for _ in $(seq 100); do
  [ -s "$DISPLAY_FILE" ] && break
  sleep 0.1
done
if [ -s "$DISPLAY_FILE" ]; then
  export DISPLAY=":$(head -n 1 "$DISPLAY_FILE")"
else
  echo "Xvfb did not start: the WebKit steps will fail"
  unset DISPLAY
fi
ENGINES=(chromium firefox webkit)
rm -rf test-output/engines

step "cargo fmt --check" none env -u RUSTUP_TOOLCHAIN cargo fmt --check
step "cargo clippy (wasm32)" none \
  cargo clippy --target wasm32-unknown-unknown --all-targets -- -D warnings
step "cargo clippy (native)" none cargo clippy --all-targets -- -D warnings
step "cargo test (native)" rust_counts cargo test
# Crashers found by `npm run soak`'s fuzzing, replayed on stable.
step "fuzz regressions (cargo test in fuzz/)" rust_counts \
  bash -c 'cd fuzz && cargo test --no-default-features'
for engine in "${ENGINES[@]}"; do
  step "wasm-pack test --headless [$engine]" rust_counts bash scripts/wasm-browser-tests.sh "$engine"
done
step "build pkg (wasm-pack build --target web --release)" none bash scripts/build.sh

# The Node suites, in folders by deliverable (tests/module, proxy, mock, demo, package,
# docs, example, bench). Those named *.browser.test.mjs drive a browser and run once per
# engine; the others run under the system Node and again under the Node.js LTS when the
# system Node is older.
mapfile -t BROWSER_SUITES < <(find tests -path tests/support -prune -o -name '*.browser.test.mjs' -print | sort)
mapfile -t NODE_SUITES < <(find tests -path tests/support -prune -o -name '*.test.mjs' ! -name '*.browser.test.mjs' -print | sort)
NODE_TEST=(--test --test-concurrency=1 --test-timeout=180000 --test-force-exit --test-reporter=spec)
step "node suites [node-only, Node $(node --version)]" node_counts node "${NODE_TEST[@]}" "${NODE_SUITES[@]}"
if updox_wants_node_lts; then
  step "node suites [node-only, Node $("$UPDOX_NODE_LTS" --version)]" node_counts \
    env PATH="$(dirname "$UPDOX_NODE_LTS"):$PATH" "$UPDOX_NODE_LTS" "${NODE_TEST[@]}" "${NODE_SUITES[@]}"
fi
for engine in "${ENGINES[@]}"; do
  step "node suites [$engine]" node_counts env UPDOX_ENGINES="$engine" node "${NODE_TEST[@]}" "${BROWSER_SUITES[@]}"
done

echo
echo "steps:"
printf '  %s\n' "${SUMMARY[@]}"
# The engines the browser suites ran in, as they reported themselves.
for f in test-output/engines/*.json; do
  [ -f "$f" ] && node -e 'const e = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")); console.log(`engine: ${e.name} ${e.version} (${e.userAgent})`)' "$f"
done
if [ ${#FAILED_STEPS[@]} -gt 0 ]; then
  echo "failed steps: ${FAILED_STEPS[*]}"
fi
echo "$PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ]
