// The servers fixture: starts what a suite needs (dev server with proxy and mock Updox,
// fault server, module page, a browser engine with the module page open) and stops all of
// it afterwards, in reverse order.
//
//   for (const name of selectedEngines()) {
//     describe(name, () => {
//       const s = useServers({ engine: name, dev: true, modulePage: 'dev', open: true });
//       test('…', async () => { await s.page.evaluate(…); s.dev.mock.messages(); });
//     });
//   }
//
// `useServers` registers node:test `before`/`after` hooks in the current describe() block
// (inside a describe, so they run in order on every Node version); `startServers` is the
// same without hooks (for scripts such as the soak).
import { after, before } from 'node:test';
import { startDevServer } from '../../server/dev-server.mjs';
import { openEngine } from './engines.mjs';
import { startFaultServer } from './fault-server.mjs';
import { startFront } from './front.mjs';
import { openModulePage, startModulePage } from './module-page.mjs';

/**
 * Starts, in this order, what `options` ask for; resolves an object with one field each
 * and `close()`:
 *   dev         true | {env, root} | () => ({env, root}): the dev server (`npm start`'s
 *               process: static demo, reference proxy, mock Updox) on a free port, quiet,
 *               with `env` (default {}: the demo credentials) and `root` (default the
 *               repository): {url, proxyUrl, mock: {messages(), requests(), reset()}, …}
 *   front       true: a front (front.mjs) in front of the dev server: {url, log, route()}
 *   faults      true: the fault server (fault-server.mjs): {url}
 *   modulePage  true | 'dev' | {upstream: 'dev', files}: the module page (module-page.mjs);
 *               with 'dev' its proxy route forwards to the dev server's proxy:
 *               {url, proxyUrl, front}
 *   engine      'chromium' | 'firefox' | 'webkit' (engines.mjs), or a function returning an
 *               engine opened elsewhere (not closed here); `engineOptions` (or a function
 *               returning them) go to openEngine
 *   open        true: the module page opened in that engine, ready, as `page`
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
    if (options.front) {
      if (!s.dev) throw new Error('front: true needs dev: true');
      s.front = await startFront(s.dev.url);
      started.push(() => s.front.close());
    }
    if (options.faults) {
      s.faults = await startFaultServer();
      started.push(() => s.faults.close());
    }
    if (options.modulePage) {
      const { upstream, files } = typeof options.modulePage === 'object' ? options.modulePage : { upstream: options.modulePage };
      if (upstream === 'dev' && !s.dev) throw new Error("modulePage upstream 'dev' needs dev: true");
      s.modulePage = await startModulePage({ upstream: upstream === 'dev' ? s.dev.proxyUrl : undefined, files });
      started.push(() => s.modulePage.close());
    }
    if (typeof options.engine === 'function') {
      s.engine = options.engine();
    } else if (options.engine) {
      const engineOptions = typeof options.engineOptions === 'function' ? options.engineOptions() : options.engineOptions;
      s.engine = await openEngine(options.engine, engineOptions);
      started.push(() => s.engine.close());
    }
    if (options.open) {
      if (!s.modulePage || !s.engine) throw new Error('open: true needs modulePage and engine');
      s.page = await openModulePage(s.engine, s.modulePage.url);
      started.push(() => s.page.close());
    }
  } catch (err) {
    await s.close();
    throw err;
  }
  return s;
}

/**
 * `startServers(options)` in a `before` hook and `close()` in an `after` hook of the
 * current describe() block. Returns an object whose fields (dev, front, faults, modulePage,
 * engine, page) are there from the first test on.
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
