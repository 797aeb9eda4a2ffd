#!/usr/bin/env bash
# `npm run bench`: set up, build the release package into pkg/ (and variants of the wasm
# into target/: with the `base64` crate's encoder beside the SIMD one, with it instead, and
# as built with the SIMD one, to weigh the two), then measure the module against plain-JS
# clients in Chromium, Firefox and WebKit (bench/run.mjs; UPDOX_ENGINES=chromium,… for fewer). Not part of
# `npm test`. BENCH_QUICK=1 runs a reduced version (about 1–2 minutes) for development;
# it writes the git-ignored bench/results.local.json instead.
# Writes bench/results.json and bench/results.md; exits non-zero only on errors, never
# because a target was missed.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$UPDOX_ROOT"

bash scripts/setup.sh
bash scripts/build.sh
updox_select_toolchain
for variant in bench-encoders scalar-encoder simd-encoder; do
  features=$variant
  [ "$variant" = simd-encoder ] && features=""
  wasm-pack --quiet build --target web --release --out-dir "target/$variant" --out-name updox_direct \
    -- --no-default-features --features "$features"
done
node bench/run.mjs
