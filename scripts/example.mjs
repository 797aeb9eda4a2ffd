// `npm run example`: the example portal (examples/portal/) as a portal team would run it,
// with the package as a portal installs it. Packs pkg/ (`npm pack`), copies the example to
// target/example-portal/ and installs only the tarball there (express, jose and vite, the
// example's other dependencies, resolve from the repository's node_modules, at the versions
// the example names), builds the page with Vite, then serves it with the mock Updox behind
// the proxy and prints its URL. `PORT` (default 8090) and `HOST` (127.0.0.1) move it.
// tests/example/example-portal.browser.test.mjs drives the same functions.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { DEMO_AUTH, startMockUpdox } from '../server/mock-updox.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const PKG = join(ROOT, 'pkg');
const SOURCE = join(ROOT, 'examples', 'portal');
export const EXAMPLE_DIR = join(ROOT, 'target', 'example-portal');

const npm = (args, cwd) => execFileSync('npm', [...args, '--no-audit', '--no-fund', '--loglevel=error'], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });

/**
 * Makes `dir` a built copy of the example with the packed package installed; returns `dir`.
 * Needs pkg/ (scripts/build.sh).
 */
export async function prepareExample(dir = EXAMPLE_DIR) {
  for (const file of ['package.json', 'updox_direct_bg.wasm', join('proxy', 'index.mjs')]) {
    if (!existsSync(join(PKG, file))) throw new Error(`pkg/${file} is missing: run bash scripts/build.sh first`);
  }
  rmSync(dir, { recursive: true, force: true });
  cpSync(SOURCE, dir, { recursive: true, filter: (src) => !/[\\/](node_modules|dist)$/.test(src) });

  // The example names its dependencies as a portal would; the repository has the same ones.
  const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  const repo = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  const have = { ...repo.dependencies, ...repo.devDependencies };
  const wanted = { ...manifest.dependencies, ...manifest.devDependencies };
  for (const [name, version] of Object.entries(wanted)) {
    if (name !== 'updox-direct' && have[name] !== version) {
      throw new Error(`examples/portal wants ${name}@${version}, the repository has ${have[name] ?? 'none'}`);
    }
  }
  const built = JSON.parse(readFileSync(join(PKG, 'package.json'), 'utf8'));
  if (wanted['updox-direct'] !== built.version) {
    throw new Error(`examples/portal wants updox-direct@${wanted['updox-direct']}, pkg/ is ${built.version}`);
  }

  mkdirSync(join(dir, '.pack'), { recursive: true });
  const [{ filename }] = JSON.parse(npm(['pack', '--json', '--pack-destination', join(dir, '.pack')], PKG));
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify({ ...manifest, dependencies: {}, devDependencies: {} }, null, 2)}\n`);
  npm(['install', '--ignore-scripts', '--no-package-lock', join(dir, '.pack', filename)], dir);

  const { build } = await import('vite');
  await build({ root: dir, logLevel: 'warn', build: { outDir: join(dir, 'dist'), emptyOutDir: true } });
  return dir;
}

/**
 * Serves a prepared example with a mock Updox behind its proxy; resolves {url, mock, close()}.
 */
export async function startExample({ dir = EXAMPLE_DIR, port = 0, host = '127.0.0.1', quiet = false } = {}) {
  const mock = await startMockUpdox();
  try {
    const { startPortal } = await import(pathToFileURL(join(dir, 'server.mjs')).href);
    const portal = await startPortal({
      port,
      host,
      updox: { baseUrl: mock.baseUrl, auth: { ...DEMO_AUTH } },
      jwtSecret: randomBytes(32).toString('base64url'),
      staticDir: join(dir, 'dist'),
      log: quiet ? () => {} : console.log,
    });
    return {
      url: portal.url,
      mock,
      close: async () => {
        await portal.close();
        await mock.close();
      },
    };
  } catch (err) {
    await mock.close();
    throw err;
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  console.log('example: packing pkg/ and building examples/portal into target/example-portal/');
  await prepareExample();
  const example = await startExample({ port: Number(process.env.PORT ?? 8090), host: process.env.HOST ?? '127.0.0.1' });
  console.log(`example portal: ${example.url} (Updox is the mock at ${example.mock.url}; stop with Ctrl-C)`);
  const stop = async () => {
    await example.close();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
