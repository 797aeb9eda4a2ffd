#!/usr/bin/env bash
# `npm run bench`: set up, build the release package into pkg/, then measure the module
# against plain-JS clients in headless Chromium (bench/run.mjs; issue 6). Not part of
# `npm test`. BENCH_QUICK=1 runs a reduced version (about 1–2 minutes) for development;
# it writes the git-ignored bench/results.local.json instead.
# Writes bench/results.json and bench/results.md; exits non-zero only on errors, never
# because a target was missed.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$UPDOX_ROOT"

bash scripts/setup.sh
bash scripts/build.sh
node bench/run.mjs
