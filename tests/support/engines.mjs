// Browser engines: one way to open a page in Chromium, Firefox or WebKit (Safari's engine)
// and drive it from a test, whatever protocol the engine speaks.
//
//   import { openEngine, selectedEngines } from './support/engines.mjs';
//
//   for (const name of selectedEngines()) {
//     describe(name, () => {
//       let engine;
//       before(async () => { engine = await openEngine(name); });   // fails if it cannot start
//       after(() => engine?.close());
//       test('…', async () => {
//         const page = await engine.newPage(url);                      // fresh page, loaded
//         const sum = await page.evaluate((a, b) => a + b, 2, 3);      // 5
//         await page.close();
//       });
//     });
//   }
//
// Engines and how they are driven (all Debian packages, no browser download):
//   chromium  /usr/bin/chromium through puppeteer-core (Chrome DevTools Protocol)
//   firefox   /usr/bin/firefox-esr through puppeteer-core (WebDriver BiDi)
//   webkit    WebKitGTK's MiniBrowser through WebKitWebDriver (classic WebDriver, with
//             selenium-webdriver), on an X display: $DISPLAY, or one Xvfb started on first
//             use and shared by every WebKit of this process (scripts/test.sh starts one
//             for the whole run)
//
// openEngine(name, options) → engine; options:
//   proxy               'http://127.0.0.1:PORT': an HTTP proxy for everything but loopback
//                       (see fake-hosts.mjs); its TLS certificates are accepted
//   args                extra command-line arguments (Chromium only)
// engine: { name, version, userAgent, newPage(url?, {viewport}), close(), raw }
//   version             the engine's own version, e.g. "156.0.8078.79", "153.7.0esr",
//                       "WebKitGTK 2.50.6"; also written to test-output/engines/NAME.json
//   newPage(url?, {viewport: {width, height}, initScript})
//                       a new page (Chromium, Firefox: in a fresh browser context, so no
//                       cookies or cache are shared; WebKit: a new window of the one session).
//                       `initScript` (source text) runs in every document the page loads:
//                       before the document's own scripts in Chromium and Firefox, right
//                       after its load event in WebKit (classic WebDriver cannot run earlier)
//   raw                 the client's own object (puppeteer Browser / selenium WebDriver), for
//                       what only one engine can do (e.g. Chromium's CDP); avoid in suites
// page:
//   goto(url)                     navigate and wait for the load event
//   url()                         the current URL
//   evaluate(fn, ...args)         run fn(...args) in the page, await its promise, return the
//                                 result; args and result must be JSON-like (no functions,
//                                 DOM nodes or undefined inside objects). A string is run as
//                                 a script. The page's Content-Security-Policy does not apply.
//   waitFor(fn, {timeout}, ...args)  poll evaluate(fn, ...args) until it is truthy; returns it
//   consoleEntries()              [{type, text}] logged so far: type is the console method
//                                 ('log', 'warning', 'error', …) or 'pageerror' for an uncaught
//                                 error. Chromium and Firefox report what the browser console
//                                 shows (including the browser's own messages, e.g. a failed
//                                 load); WebKit (classic WebDriver has no console log) reports
//                                 what the page's scripts logged and uncaught errors, captured
//                                 inside the page from the load event of each goto on
//   requests()                    [{method, url}] the page asked for. Chromium and Firefox:
//                                 every request the browser made for the page; WebKit: the
//                                 requests its scripts started (fetch, XHR, beacon,
//                                 WebSocket, EventSource), recorded inside the page from the
//                                 load event of each goto on
//   click(selector)               a real click on the element (scrolled into view)
//   focus(selector)
//   type(text)                    key presses into the focused element
//   press(key)                    one key: 'Tab', 'Enter', 'ArrowDown', 'ArrowUp', 'Escape',
//                                 'Backspace', or a single character
//   fill(selector, text)          clear a text field, then type into it
//   setFiles(selector, paths)     pick files from disk on an <input type=file> (real files:
//                                 a test may delete one after it was picked)
//   screenshot(path)              a PNG of the page (Chromium, Firefox: the full page; WebKit:
//                                 the window)
//   cookies()                     the cookies the browser holds for the page
//   close()
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from './http.mjs';

export const ENGINES = Object.freeze(['chromium', 'firefox', 'webkit']);

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const VERSIONS_DIR = join(ROOT, 'test-output', 'engines');

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
export const FIREFOX_PATH = process.env.FIREFOX_PATH || '/usr/bin/firefox-esr';
export const WEBKIT_DRIVER = process.env.WEBKIT_DRIVER || '/usr/bin/WebKitWebDriver';

/** MiniBrowser, WebKitGTK's test browser (shipped in libwebkit2gtk-4.1-0). */
export function miniBrowserPath() {
  if (process.env.MINIBROWSER_PATH) return process.env.MINIBROWSER_PATH;
  for (const arch of readdirSync('/usr/lib').filter((d) => d.endsWith('-linux-gnu'))) {
    const path = `/usr/lib/${arch}/webkit2gtk-4.1/MiniBrowser`;
    if (existsSync(path)) return path;
  }
  return '/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser';
}

/**
 * The engines this run drives, in ENGINES order: UPDOX_ENGINES (comma-separated; default
 * all three), limited to those a suite supports. An unknown name in UPDOX_ENGINES throws.
 */
export function selectedEngines(supported = ENGINES) {
  const wanted = (process.env.UPDOX_ENGINES || ENGINES.join(','))
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const name of wanted) if (!ENGINES.includes(name)) throw new Error(`UPDOX_ENGINES: unknown engine ${name}`);
  return ENGINES.filter((name) => wanted.includes(name) && supported.includes(name));
}

// Flags keep Chromium off the network: this machine refuses everything but loopback.
export const CHROMIUM_ARGS = Object.freeze([
  '--no-sandbox',
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--disable-quic',
  '--no-first-run',
  '--no-default-browser-check',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-default-apps',
  '--disable-extensions',
]);

// Firefox preferences with the same purpose (no update, telemetry or captive-portal checks).
const FIREFOX_PREFS = Object.freeze({
  'app.update.enabled': false,
  'browser.shell.checkDefaultBrowser': false,
  'datareporting.policy.dataSubmissionEnabled': false,
  'network.captive-portal-service.enabled': false,
  'network.connectivity-service.enabled': false,
  'toolkit.telemetry.reportingpolicy.firstRun': false,
  'browser.safebrowsing.malware.enabled': false,
  'browser.safebrowsing.phishing.enabled': false,
  // Focus and blur events even though no window has the system focus (as geckodriver sets).
  'focusmanager.testmode': true,
});

/** Opens one browser of engine `name`; rejects (never skips) when it cannot start. */
export async function openEngine(name, options = {}) {
  let engine;
  if (name === 'chromium' || name === 'firefox') engine = await openPuppeteer(name, options);
  else if (name === 'webkit') engine = await openWebKit(options);
  else throw new Error(`unknown engine ${name}`);
  try {
    mkdirSync(VERSIONS_DIR, { recursive: true });
    writeFileSync(
      join(VERSIONS_DIR, `${name}.json`),
      `${JSON.stringify({ name, version: engine.version, userAgent: engine.userAgent, node: process.version, at: new Date().toISOString() }, null, 2)}\n`,
    );
  } catch {
    // The record is informative only.
  }
  return engine;
}

// ---- shared page helpers ----------------------------------------------------------------

async function waitFor(page, fn, { timeout = 20_000, interval = 50 } = {}, ...args) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const value = await page.evaluate(fn, ...args);
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`waitFor timed out after ${timeout} ms: ${String(fn).slice(0, 120)}`);
    await new Promise((resolve) => setTimeout(resolve, interval));
  }
}

// ---- Chromium and Firefox: puppeteer-core ---------------------------------------------

async function openPuppeteer(name, { proxy, args = [] } = {}) {
  const { default: puppeteer } = await import('puppeteer-core');
  const common = { headless: true, acceptInsecureCerts: Boolean(proxy), defaultViewport: { width: 1024, height: 900 } };
  let browser;
  if (name === 'chromium') {
    browser = await puppeteer.launch({
      ...common,
      browser: 'chrome',
      executablePath: CHROMIUM_PATH,
      args: [...CHROMIUM_ARGS, ...(proxy ? [`--proxy-server=${proxy}`] : []), ...args],
    });
  } else {
    const prefs = { ...FIREFOX_PREFS };
    if (proxy) {
      const { hostname, port } = new URL(proxy);
      Object.assign(prefs, {
        'network.proxy.type': 1,
        'network.proxy.http': hostname,
        'network.proxy.http_port': Number(port),
        'network.proxy.ssl': hostname,
        'network.proxy.ssl_port': Number(port),
        'network.proxy.no_proxies_on': 'localhost, 127.0.0.1',
      });
    }
    browser = await puppeteer.launch({
      ...common,
      browser: 'firefox',
      executablePath: FIREFOX_PATH,
      extraPrefsFirefox: prefs,
    });
  }
  const rawVersion = await browser.version();
  const version = rawVersion.replace(/^[^/]*\//, '');
  const probe = await browser.newPage();
  const userAgent = await probe.evaluate(() => navigator.userAgent);
  await probe.close();
  return {
    name,
    version,
    userAgent,
    raw: browser,
    async newPage(url, { viewport, initScript } = {}) {
      const context = await browser.createBrowserContext();
      const page = await context.newPage();
      if (viewport) await page.setViewport(viewport);
      if (initScript) await page.evaluateOnNewDocument(initScript);
      const wrapped = puppeteerPage(page, context);
      if (url) await wrapped.goto(url);
      return wrapped;
    },
    close: () => browser.close(),
  };
}

function puppeteerPage(page, context) {
  const entries = [];
  page.on('console', (msg) => {
    const type = msg.type() === 'warn' ? 'warning' : msg.type();
    entries.push({ type, text: msg.text() });
  });
  page.on('pageerror', (err) => {
    const text = String(err?.message ?? err);
    // Firefox reports its own network and security messages (as its console shows them) as
    // JavaScript errors over BiDi; they are the browser's 'error' lines, not uncaught errors.
    const browserMessage = /^(Cross-Origin Request Blocked|Content-Security-Policy|Content Security Policy|Loading failed for)/.test(text);
    entries.push({ type: browserMessage ? 'error' : 'pageerror', text });
  });
  const requests = [];
  page.on('request', (r) => requests.push({ method: r.method(), url: r.url() }));
  const wrapped = {
    raw: page,
    async goto(url) {
      const response = await page.goto(url, { waitUntil: 'load' });
      return response ? { status: response.status(), headers: response.headers() } : null;
    },
    url: () => page.url(),
    evaluate: (fn, ...args) => page.evaluate(fn, ...args),
    waitFor: (fn, options, ...args) => waitFor(wrapped, fn, options, ...args),
    consoleEntries: async () => entries.slice(),
    requests: async () => requests.slice(),
    click: (selector) => page.click(selector),
    focus: (selector) => page.focus(selector),
    type: (text) => page.keyboard.type(text),
    press: (key) => page.keyboard.press(key),
    async fill(selector, text) {
      await page.focus(selector);
      await page.evaluate((sel) => {
        const el = document.querySelector(sel);
        el.select?.();
      }, selector);
      await page.keyboard.press('Backspace');
      await page.evaluate((sel) => {
        const el = document.querySelector(sel);
        if (el.value !== '') {
          el.value = '';
          el.dispatchEvent(new Event('input', { bubbles: true }));
        }
      }, selector);
      if (text) await page.keyboard.type(text);
    },
    async setFiles(selector, paths) {
      const input = await page.$(selector);
      if (!input) throw new Error(`setFiles: no element ${selector}`);
      await input.uploadFile(...paths);
    },
    screenshot: (path) => page.screenshot({ path, fullPage: true }),
    cookies: () => page.cookies(),
    async close() {
      await context.close();
    },
  };
  return wrapped;
}

// ---- WebKit: WebKitWebDriver + MiniBrowser, classic WebDriver ------------------------------

let display; // {name, process} of the Xvfb this process started, if any

/** The X display for WebKit: $DISPLAY, or an Xvfb started once for this process. */
export async function ensureDisplay() {
  if (process.env.DISPLAY) return process.env.DISPLAY;
  if (!display) {
    display = new Promise((resolve, reject) => {
      // -displayfd: Xvfb picks a free display and writes its number to fd 3.
      const child = spawn('Xvfb', ['-displayfd', '3', '-nolisten', 'tcp', '-screen', '0', '1280x1024x24'], {
        stdio: ['ignore', 'ignore', 'pipe', 'pipe'],
      });
      let out = '';
      let err = '';
      child.stderr.on('data', (c) => (err += c));
      child.stdio[3].on('data', (c) => {
        out += c;
        if (!out.includes('\n')) return;
        // Running, it must not keep this process alive; it ends with it.
        child.unref();
        child.stderr.unref?.();
        child.stdio[3].unref?.();
        resolve({ name: `:${out.trim()}`, process: child });
      });
      child.once('error', (e) => reject(new Error(`Xvfb could not start (${e.message}); install xvfb`)));
      child.once('exit', (code) => reject(new Error(`Xvfb exited (${code}): ${err.slice(-300)}`)));
      process.once('exit', () => child.kill());
    });
  }
  return (await display).name;
}

const KEYS = {
  Tab: '\uE004',
  Enter: '\uE007',
  Escape: '\uE00C',
  Backspace: '\uE003',
  ArrowUp: '\uE013',
  ArrowDown: '\uE015',
  ArrowLeft: '\uE012',
  ArrowRight: '\uE014',
  Space: '\uE00D',
};

// Installed in every page WebKit loads (classic WebDriver has no console log and no network
// events): console methods and uncaught errors are recorded in window.__engineConsole, and
// the requests the page's scripts start (fetch, XHR, beacon, WebSocket, EventSource) in
// window.__engineRequests.
const CONSOLE_CAPTURE = `
if (!window.__engineConsole) {
  const entries = (window.__engineConsole = []);
  const text = (args) => args.map((a) => {
    if (typeof a === 'string') return a;
    try { return a instanceof Error ? String(a) : JSON.stringify(a) ?? String(a); } catch { return String(a); }
  }).join(' ');
  for (const [method, type] of [['log', 'log'], ['info', 'info'], ['warn', 'warning'], ['error', 'error'], ['debug', 'debug'], ['trace', 'trace']]) {
    const original = console[method];
    console[method] = function (...args) { entries.push({ type, text: text(args) }); return original.apply(this, args); };
  }
  const assert = console.assert;
  console.assert = function (ok, ...args) { if (!ok) entries.push({ type: 'assert', text: text(args) }); return assert.call(this, ok, ...args); };
  window.addEventListener('error', (e) => entries.push({ type: 'pageerror', text: String(e.error?.message ?? e.message) }));
  window.addEventListener('unhandledrejection', (e) => entries.push({ type: 'pageerror', text: String(e.reason?.message ?? e.reason) }));
}
if (!window.__engineRequests) {
  const requests = (window.__engineRequests = []);
  const abs = (u) => { try { return new URL(String(u), location.href).href; } catch { return String(u); } };
  const fetch0 = window.fetch;
  window.fetch = function (input, init) {
    try { const r = input instanceof Request ? input : null; requests.push({ method: (init && init.method) || (r ? r.method : 'GET'), url: abs(r ? r.url : input) }); } catch {}
    return fetch0.apply(this, arguments);
  };
  const open0 = XMLHttpRequest.prototype.open;
  XMLHttpRequest.prototype.open = function (method, url) { requests.push({ method: String(method).toUpperCase(), url: abs(url) }); return open0.apply(this, arguments); };
  const beacon0 = navigator.sendBeacon?.bind(navigator);
  if (beacon0) navigator.sendBeacon = (url, data) => { requests.push({ method: 'POST', url: abs(url) }); return beacon0(url, data); };
  for (const name of ['WebSocket', 'EventSource']) {
    const C = window[name];
    if (C) window[name] = new Proxy(C, { construct(t, args) { requests.push({ method: 'GET', url: abs(args[0]) }); return Reflect.construct(t, args); } });
  }
}`;

async function startWebKitDriver() {
  const port = await freePort();
  const env = { ...process.env, DISPLAY: await ensureDisplay() };
  const child = spawn(WEBKIT_DRIVER, [`--port=${port}`], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr.on('data', (c) => (err += c));
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const failed = new Promise((_, reject) => {
    child.once('error', (e) => reject(new Error(`${WEBKIT_DRIVER} could not start (${e.message}); install webkit2gtk-driver`)));
    exited.then((code) => reject(new Error(`WebKitWebDriver exited (${code}): ${err.slice(-300)}`)));
  });
  const url = `http://127.0.0.1:${port}`;
  const ready = (async () => {
    for (let i = 0; i < 200; i++) {
      try {
        const r = await fetch(`${url}/status`);
        if (r.ok) return;
      } catch {
        // not listening yet
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error('WebKitWebDriver did not answer within 10 s');
  })();
  await Promise.race([ready, failed]);
  failed.catch(() => {});
  return {
    url,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

async function openWebKit({ proxy } = {}) {
  const { Builder, Capabilities } = await import('selenium-webdriver');
  const server = await startWebKitDriver();
  let driver;
  try {
    // MiniBrowser's own switches set the proxy for every scheme (the WebDriver `proxy`
    // capability reaches only http: here) and accept the fake hosts' certificates.
    const proxyArgs = proxy
      ? [`--proxy=${proxy}`, '--ignore-host=127.0.0.1', '--ignore-host=localhost', '--ignore-tls-errors']
      : [];
    const caps = new Capabilities({
      browserName: 'MiniBrowser',
      'webkitgtk:browserOptions': { binary: miniBrowserPath(), args: ['--automation', ...proxyArgs] },
      acceptInsecureCerts: Boolean(proxy),
    });
    driver = await new Builder().usingServer(server.url).withCapabilities(caps).build();
    await driver.manage().setTimeouts({ script: 600_000, pageLoad: 120_000 });
  } catch (err) {
    await server.stop();
    throw err;
  }
  const sessionCaps = await driver.getCapabilities();
  const version = `WebKitGTK ${sessionCaps.get('browserVersion')}`;
  const userAgent = await driver.executeScript('return navigator.userAgent');
  const blank = await driver.getWindowHandle();
  let queue = Promise.resolve();
  // One session, one current window: commands for different pages take turns.
  const serial = (fn) => {
    const run = queue.then(fn, fn);
    queue = run.catch(() => {});
    return run;
  };
  let current = blank;
  const pages = new Set();
  return {
    name: 'webkit',
    version,
    userAgent,
    raw: driver,
    async newPage(url, { viewport, initScript } = {}) {
      const handle = await serial(async () => {
        await driver.switchTo().newWindow('window');
        current = await driver.getWindowHandle();
        return current;
      });
      const page = webkitPage(driver, handle, serial, () => current, (h) => (current = h), pages, initScript);
      pages.add(page);
      if (viewport) await page.setViewport(viewport);
      if (url) await page.goto(url);
      return page;
    },
    async close() {
      try {
        await driver.quit();
      } finally {
        await server.stop();
      }
    },
  };
}

function webkitPage(driver, handle, serial, getCurrent, setCurrent, pages, initScript) {
  let earlier = []; // console entries of documents this page has navigated away from
  let earlierRequests = [];
  let closed = false;
  const onPage = (fn) =>
    serial(async () => {
      if (closed) throw new Error('page is closed');
      if (getCurrent() !== handle) {
        await driver.switchTo().window(handle);
        setCurrent(handle);
      }
      return fn();
    });
  const script = async (source, args) => {
    const out = await driver.executeAsyncScript(
      `const done = arguments[arguments.length - 1];
       const args = arguments[0];
       Promise.resolve()
         .then(() => (${source})(...args))
         .then((value) => done({ ok: true, value: value === undefined ? null : value }),
               (e) => done({ ok: false, error: String(e && e.stack || e) }));`,
      args,
    );
    if (!out.ok) throw new Error(`evaluate failed in WebKit: ${out.error}`);
    return out.value;
  };
  const installConsole = () => driver.executeScript(CONSOLE_CAPTURE);
  const read = async (name) => {
    try {
      return (await driver.executeScript(`return window.${name} || []`)) ?? [];
    } catch {
      return [];
    }
  };
  const readConsole = () => read('__engineConsole');
  const find = async (selector) => {
    const { By } = await import('selenium-webdriver');
    return driver.findElement(By.css(selector));
  };
  const keys = (key) => KEYS[key] ?? key;
  // A line break is the Enter key, as in puppeteer's keyboard.type (WebKit drops "\n").
  const typed = (text) => text.replaceAll('\n', KEYS.Enter);
  const page = {
    raw: driver,
    goto: (url) =>
      onPage(async () => {
        earlier = earlier.concat(await readConsole());
        earlierRequests = earlierRequests.concat(await read('__engineRequests'));
        await driver.get(url);
        await installConsole();
        if (initScript) await driver.executeScript(initScript);
        return null;
      }),
    url: () => onPage(() => driver.getCurrentUrl()),
    evaluate: (fn, ...args) =>
      onPage(() => (typeof fn === 'string' ? script(`() => { ${fn}\n}`, []) : script(String(fn), args))),
    waitFor: (fn, options, ...args) => waitFor(page, fn, options, ...args),
    consoleEntries: () => onPage(async () => earlier.concat(await readConsole())),
    requests: () => onPage(async () => earlierRequests.concat(await read('__engineRequests'))),
    click: (selector) => onPage(async () => (await find(selector)).click()),
    focus: (selector) => onPage(() => script('(sel) => document.querySelector(sel).focus()', [selector])),
    type: (text) => onPage(() => driver.actions().sendKeys(typed(text)).perform()),
    press: (key) => onPage(() => driver.actions().sendKeys(keys(key)).perform()),
    fill: (selector, text) =>
      onPage(async () => {
        const el = await find(selector);
        await el.clear();
        if (text) await el.sendKeys(typed(text));
      }),
    setFiles: (selector, paths) => onPage(async () => (await find(selector)).sendKeys(paths.join('\n'))),
    screenshot: (path) =>
      onPage(async () => {
        mkdirSync(dirname(path), { recursive: true });
        writeFileSync(path, Buffer.from(await driver.takeScreenshot(), 'base64'));
      }),
    cookies: () => onPage(() => driver.manage().getCookies()),
    setViewport: ({ width, height }) =>
      onPage(async () => {
        // The window includes MiniBrowser's own bars: size it, measure, correct once.
        await driver.manage().window().setRect({ width, height });
        const inner = await driver.executeScript('return [innerWidth, innerHeight]');
        await driver.manage().window().setRect({ width: 2 * width - inner[0], height: 2 * height - inner[1] });
      }),
    close: () =>
      onPage(async () => {
        closed = true;
        pages.delete(page);
        await driver.close();
        const handles = await driver.getAllWindowHandles();
        if (handles.length) {
          await driver.switchTo().window(handles[0]);
          setCurrent(handles[0]);
        }
      }),
  };
  return page;
}
