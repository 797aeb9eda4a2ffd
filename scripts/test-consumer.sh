#!/usr/bin/env bash
# `npm run test:consumer`: the package as a customer gets it, on its own (npm test runs the
# same test files with the others): builds pkg/, then tests/package/package.test.mjs (what npm pack
# ships, Node/SSR import, docs vs .d.ts) and tests/package/consumer.browser.test.mjs (Vite + TypeScript app
# and a CDN-style page in Chromium, Firefox and WebKit, through the reference proxy to the
# mock; UPDOX_ENGINES=chromium for one engine).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$UPDOX_ROOT"
bash scripts/setup.sh
bash scripts/build.sh
node --test --test-concurrency=1 --test-timeout=180000 --test-reporter=spec \
  tests/package/package.test.mjs tests/package/consumer.browser.test.mjs
