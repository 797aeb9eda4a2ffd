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

# step NAME COUNTER CMD... : runs CMD, shows and logs its output, adds its counts.
step() {
  local name=$1 counter=$2 log
  shift 2
  log="$LOGS/$(echo "$name" | tr -c 'a-zA-Z0-9\n' '-').log"
  echo
  echo "=== $name"
  "$@" 2>&1 | tee "$log"
  local rc=${PIPESTATUS[0]} p=0 f=0
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
  echo "--- $name: $p passed, $f failed"
}

step "cargo fmt --check" none env -u RUSTUP_TOOLCHAIN cargo fmt --check
step "cargo clippy (wasm32)" none \
  cargo clippy --target wasm32-unknown-unknown --all-targets -- -D warnings
step "cargo clippy (native)" none cargo clippy --all-targets -- -D warnings
step "cargo test (native)" rust_counts cargo test
# Crashers found by `npm run soak`'s fuzzing, replayed on stable.
step "fuzz regressions (cargo test in fuzz/)" rust_counts \
  bash -c 'cd fuzz && cargo test --no-default-features'
step "wasm-pack test --headless --chrome" rust_counts \
  bash scripts/wasm-browser-tests.sh
step "build pkg (wasm-pack build --target web --release)" none bash scripts/build.sh
step "node/playwright tests" node_counts \
  node --test --test-concurrency=1 --test-timeout=180000 --test-force-exit --test-reporter=spec tests/

echo
if [ ${#FAILED_STEPS[@]} -gt 0 ]; then
  echo "failed steps: ${FAILED_STEPS[*]}"
fi
echo "$PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ]
