// Adds the server side to pkg/, run by scripts/build.sh after finish-pkg.mjs: copies
// server/proxy/ (the code `npm start` and `node server/proxy.mjs` run) to pkg/proxy/ unchanged,
// and amends pkg/package.json: the `./proxy` export with its types, the files, the runtime
// dependencies of the proxy (jose, rate-limiter-flexible) and the optional `redis` peer.
// Idempotent.
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SOURCE = join(ROOT, 'server', 'proxy');
const PKG = join(ROOT, 'pkg');
const TARGET = join(PKG, 'proxy');

const fail = (message) => {
  console.error(`pkg-proxy: ${message}`);
  process.exit(1);
};

const manifestPath = join(PKG, 'package.json');
if (!existsSync(manifestPath)) fail('pkg/package.json is missing (run the wasm build first)');

rmSync(TARGET, { recursive: true, force: true });
mkdirSync(TARGET, { recursive: true });
const files = readdirSync(SOURCE).filter((f) => f.endsWith('.mjs') || f.endsWith('.d.ts'));
if (!files.includes('index.mjs') || !files.includes('index.d.ts')) fail('server/proxy/index.mjs or index.d.ts is missing');
for (const file of files) copyFileSync(join(SOURCE, file), join(TARGET, file));

const dev = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
const range = (name, from) => {
  const version = from?.[name];
  if (!version) fail(`${name} is not in the repository's package.json`);
  return `^${version}`;
};

const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
manifest.exports = { ...manifest.exports, './proxy': { types: './proxy/index.d.ts', default: './proxy/index.mjs' } };
if (!manifest.files.includes('proxy/')) manifest.files.push('proxy/');
manifest.dependencies = {
  jose: range('jose', dev.dependencies),
  'rate-limiter-flexible': range('rate-limiter-flexible', dev.dependencies),
};
manifest.peerDependencies = { redis: range('redis', dev.devDependencies) };
manifest.peerDependenciesMeta = { redis: { optional: true } };
writeFileSync(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`);
