#!/usr/bin/env bash
# `npm run soak`: the long, bounded reliability run (loopback only).
#   1. pkg/ (rebuilt when src/ is newer)
#   2. burst (tests/soak/burst.mjs): 16 concurrent 27 MB sends against the standalone proxy
#      in its own process; every one answered, none twice, peak RSS <= 600 MB (from /proc)
#   2b. seams (tests/soak/seams.mjs): >= 200 messages resent with their keys through two
#      proxy instances sharing Redis, across rate limits, dropped connections, upstream
#      timeouts, Redis stops and instance restarts; every message at Updox exactly once or
#      its patient told unknown, peak RSS <= 600 MB
#   3. browser soak (tests/soak/run.mjs), in Chromium, Firefox and WebKit (UPDOX_ENGINES
#      picks some): load through the reference proxy to the mock, the fault table repeated,
#      the hostile-input table repeated
#   4. fuzz: replay fuzz/regressions/ (cargo test), then each cargo-fuzz target for
#      SOAK_FUZZ_SECONDS (default 60); crashers are copied into fuzz/regressions/<target>/
# Ends with "sends: N, faults: N, inputs tried: N, fuzz executions: N, lost: N, duplicated: N"
# and exits non-zero on any failure. Logs: test-output/soak/.
# Knobs: SOAK_RUNS (3), SOAK_SENDS (200), SOAK_IN_FLIGHT (20), SOAK_FAULT_REPEATS (3),
# SOAK_HOSTILE_REPEATS (2), SOAK_FUZZ_SECONDS (60), SOAK_SKIP_FUZZ=1, SOAK_SKIP_BROWSER=1,
# SOAK_SKIP_BURST=1, BURST_SENDS (16), BURST_ATTACHMENT_MIB (20), BURST_MAX_RSS_MB (600),
# SOAK_SKIP_SEAMS=1, SEAMS_MESSAGES (240), SEAMS_PATIENTS (24), SEAMS_IN_FLIGHT (16),
# SEAMS_MAX_RSS_MB (600).
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$UPDOX_ROOT"

OUT=test-output/soak
mkdir -p "$OUT"
FUZZ_SECONDS=${SOAK_FUZZ_SECONDS:-60}
TARGETS=(address patient attachment response photo)
FAILURES=()
started=$(date +%s)

# ---- 1. the package --------------------------------------------------------------------
if [ ! -f pkg/updox_direct_bg.wasm ] ||
  [ -n "$(find src Cargo.toml js -newer pkg/updox_direct_bg.wasm -type f 2>/dev/null | head -n 1)" ]; then
  echo "=== building pkg/ (src/ changed)"
  bash scripts/build.sh || { echo "soak: build failed"; exit 1; }
fi

# ---- 2. the proxy under a burst of large sends -----------------------------------------
BURST="not run"
if [ "${SOAK_SKIP_BURST:-}" != 1 ]; then
  echo "=== burst: large sends against the standalone proxy (tests/soak/burst.mjs)"
  node tests/soak/burst.mjs "$OUT/burst.json" 2>&1 | tee "$OUT/burst.log"
  [ "${PIPESTATUS[0]}" -eq 0 ] || FAILURES+=("burst")
  if [ -f "$OUT/burst.json" ]; then
    BURST=$(node -e '
      const s = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
      console.log(`${s.sends} x ${(s.bodyBytes / 1e6).toFixed(1)} MB, duplicated ${s.duplicated}, lost ${s.lost}, proxy peak RSS ${(s.rss.peakBytes / 1e6).toFixed(0)} MB`);' "$OUT/burst.json")
  fi
fi

# ---- 2b. the seams: resends across refusals, store faults and restarts --------------------
SEAMS="not run"
if [ "${SOAK_SKIP_SEAMS:-}" != 1 ]; then
  echo "=== seams: resends across refusals, expiries, store faults and restarts (tests/soak/seams.mjs)"
  node tests/soak/seams.mjs "$OUT/seams.json" 2>&1 | tee "$OUT/seams.log"
  [ "${PIPESTATUS[0]}" -eq 0 ] || FAILURES+=("seams")
  if [ -f "$OUT/seams.json" ]; then
    SEAMS=$(node -e '
      const s = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
      console.log(`${s.messages} messages, delivered ${s.delivered}, unknown ${s.unknown}, duplicated ${s.duplicated}, lost ${s.lost}, proxy peak RSS ${s.peakRssMb.toFixed(0)} MB`);' "$OUT/seams.json")
  fi
fi

# ---- 3. browser soak -------------------------------------------------------------------
SENDS=0 FAULTS=0 INPUTS=0 LOST=0 DUPLICATED=0
if [ "${SOAK_SKIP_BROWSER:-}" != 1 ]; then
  echo "=== browser soak (load, faults, hostile input)"
  node tests/soak/run.mjs "$OUT/browser.json" 2>&1 | tee "$OUT/browser.log"
  [ "${PIPESTATUS[0]}" -eq 0 ] || FAILURES+=("browser soak")
  if [ -f "$OUT/browser.json" ]; then
    read -r SENDS FAULTS INPUTS LOST DUPLICATED < <(node -e '
      const s = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
      console.log([s.sends, s.faults, s.inputsTried, s.lost, s.duplicated].join(" "));' "$OUT/browser.json")
  else
    FAILURES+=("browser soak wrote no summary")
  fi
fi

# ---- 4. fuzzing ------------------------------------------------------------------------
EXECS=0
if [ "${SOAK_SKIP_FUZZ:-}" != 1 ]; then
  echo "=== fuzz: replaying fuzz/regressions/"
  if ! (cd fuzz && env -u RUSTUP_TOOLCHAIN cargo test --quiet --no-default-features) >"$OUT/fuzz-regressions.log" 2>&1; then
    tail -n 30 "$OUT/fuzz-regressions.log"
    FAILURES+=("fuzz regressions")
  else
    grep -E '^test result' "$OUT/fuzz-regressions.log" | head -n 3
  fi

  if ! rustup toolchain list | grep -q '^nightly'; then
    echo "soak: the nightly toolchain is missing (rustup toolchain install nightly)"
    FAILURES+=("no nightly toolchain")
  else
    # Idempotent: installs cargo-fuzz only when absent.
    if ! cargo fuzz --version >/dev/null 2>&1; then
      echo "=== installing cargo-fuzz"
      cargo install cargo-fuzz --locked >"$OUT/cargo-fuzz-install.log" 2>&1 ||
        { tail -n 20 "$OUT/cargo-fuzz-install.log"; FAILURES+=("cargo install cargo-fuzz"); }
    fi
    echo "=== fuzz: building targets"
    if ! env -u RUSTUP_TOOLCHAIN cargo +nightly fuzz build >"$OUT/fuzz-build.log" 2>&1; then
      tail -n 30 "$OUT/fuzz-build.log"
      FAILURES+=("fuzz build")
    else
      for t in "${TARGETS[@]}"; do
        mkdir -p "fuzz/corpus/$t" "fuzz/artifacts/$t" "fuzz/regressions/$t"
        log="$OUT/fuzz-$t.log"
        echo "=== fuzz: $t for ${FUZZ_SECONDS}s"
        # -timeout: an input taking over 5 s is a hang; crashers land in fuzz/artifacts/$t.
        env -u RUSTUP_TOOLCHAIN cargo +nightly fuzz run "$t" "fuzz/corpus/$t" "fuzz/seeds/$t" -- \
          -max_total_time="$FUZZ_SECONDS" -timeout=5 -rss_limit_mb=2048 -print_final_stats=1 \
          >"$log" 2>&1
        rc=$?
        runs=$(grep -oE 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -oE '[0-9]+$' | tail -n 1)
        [ -n "$runs" ] || runs=$(grep -oE '^Done [0-9]+ runs' "$log" | grep -oE '[0-9]+' | tail -n 1)
        runs=${runs:-0}
        EXECS=$((EXECS + runs))
        found=0
        for f in "fuzz/artifacts/$t"/crash-* "fuzz/artifacts/$t"/timeout-* "fuzz/artifacts/$t"/oom-* "fuzz/artifacts/$t"/leak-*; do
          [ -e "$f" ] || continue
          cp "$f" "fuzz/regressions/$t/"
          rm -f "$f"
          found=$((found + 1))
        done
        echo "    $runs executions, exit $rc, $found crasher(s)"
        if [ "$rc" -ne 0 ] || [ "$found" -gt 0 ]; then
          grep -E 'panicked|SUMMARY|ERROR|Test unit written' "$log" | head -n 10
          FAILURES+=("fuzz $t ($found crasher(s) kept in fuzz/regressions/$t/)")
        fi
      done
    fi
  fi
fi

elapsed=$(($(date +%s) - started))
echo
[ ${#FAILURES[@]} -eq 0 ] || printf 'soak failure: %s\n' "${FAILURES[@]}"
echo "soak took ${elapsed}s"
echo "burst: $BURST"
echo "seams: $SEAMS"
echo "sends: $SENDS, faults: $FAULTS, inputs tried: $INPUTS, fuzz executions: $EXECS, lost: $LOST, duplicated: $DUPLICATED"
[ ${#FAILURES[@]} -eq 0 ]
