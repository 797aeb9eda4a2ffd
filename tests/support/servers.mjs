// The servers fixture: starts what a suite needs (dev server with proxy and mock Updox,
// fault server, module page, browser) and stops all of it afterwards, in reverse order.
//
//   const s = useServers({ dev: true, modulePage: 'dev', browser: true, open: true });
//   test('…', async () => { await s.opened.page.evaluate(…); s.dev.mock.messages(); });
//
// `useServers` registers node:test `before`/`after` hooks in the current file or describe()
// block; `startServers` is the same without hooks (for scripts such as the soak).
import { after, before } from 'node:test';
import { startDevServer } from '../../server/dev-server.mjs';
import { launchBrowser } from './browser.mjs';
import { startFaultServer } from './fault-server.mjs';
import { openModulePage, startModulePage } from './module-page.mjs';

/**
 * Starts, in this order, what `options` ask for; resolves an object with one field each
 * and `close()`:
 *   dev         true | {env, root} | () => ({env, root}): the dev server (`npm start`'s
 *               process: static demo, reference proxy, mock Updox) on a free port, quiet,
 *               with `env` (default {}: the demo credentials) and `root` (default the
 *               repository): {url, proxyUrl, mock: {messages(), requests(), reset()}, …}
 *   faults      true: the fault server (tests/support/fault-server.mjs): {url}
 *   modulePage  true | 'dev': the module page (module-page.mjs); with 'dev' its proxy route
 *               forwards to the dev server's proxy: {url, proxyUrl, front}
 *   browser     true: a headless Chromium (browser.mjs), or a function returning a browser
 *               started elsewhere (e.g. by the file's own fixture; not closed here)
 *   open        true: the module page opened in that browser: {page, context, consoleEntries,
 *               requests}, as `opened`
 * If a start fails, whatever had started is stopped before the error is thrown.
 */
export async function startServers(options = {}) {
  const started = [];
  const s = {
    async close() {
      while (started.length) await started.pop()().catch(() => {});
    },
  };
  try {
    if (options.dev) {
      const given = typeof options.dev === 'function' ? options.dev() : options.dev;
      const { env = {}, root } = given === true ? {} : given;
      s.dev = await startDevServer({ port: 0, quiet: true, env, ...(root ? { root } : {}) });
      started.push(() => s.dev.close());
    }
    if (options.faults) {
      s.faults = await startFaultServer();
      started.push(() => s.faults.close());
    }
    if (options.modulePage) {
      if (options.modulePage === 'dev' && !s.dev) throw new Error("modulePage: 'dev' needs dev: true");
      s.modulePage = await startModulePage(options.modulePage === 'dev' ? { upstream: s.dev.proxyUrl } : {});
      started.push(() => s.modulePage.close());
    }
    if (typeof options.browser === 'function') {
      s.browser = options.browser();
    } else if (options.browser || options.open) {
      s.browser = await launchBrowser();
      started.push(() => s.browser.close());
    }
    if (options.open) {
      if (!s.modulePage) throw new Error('open: true needs modulePage');
      s.opened = await openModulePage(s.browser, s.modulePage.url);
      started.push(() => s.opened.context.close());
    }
  } catch (err) {
    await s.close();
    throw err;
  }
  return s;
}

/**
 * `startServers(options)` in a `before` hook and `close()` in an `after` hook of the
 * current file or describe() block. Returns an object whose fields (dev, faults,
 * modulePage, browser, opened) are there from the first test on.
 */
export function useServers(options) {
  const s = {};
  let started;
  before(async () => {
    started = await startServers(options);
    Object.assign(s, started);
  });
  after(async () => {
    await started?.close();
  });
  return s;
}
