// The benchmark's browser: headless Debian Chromium through playwright-core, whose contexts
// and CDP sessions bench/run.mjs measures with. The tests open engines with
// tests/support/engines.mjs (same binary and flags).
import { chromium } from 'playwright-core';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../tests/support/engines.mjs';

/** Launches a fresh headless Chromium; close it with `await browser.close()`. */
export function launchBrowser(extraArgs = []) {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [...CHROMIUM_ARGS, ...extraArgs],
  });
}
