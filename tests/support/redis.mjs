// Starts Debian's redis-server for a test on a loopback port, without persistence, and stops
// it (only the process it started) afterwards.
import { spawn, spawnSync } from 'node:child_process';
import { freePort } from './http.mjs';

export const REDIS_SERVER = process.env.REDIS_SERVER || 'redis-server';

/** True when redis-server can be run. */
export function hasRedisServer() {
  return spawnSync(REDIS_SERVER, ['--version'], { stdio: 'ignore' }).status === 0;
}

/**
 * Resolves {url, port, stop()} once Redis accepts connections (port 0 = a free one). With
 * `dir`, it keeps an append-only file there, fsynced on every write, so a restart on the same
 * `dir` keeps what it held.
 */
export async function startRedis({ port = 0, dir } = {}) {
  const p = port || (await freePort());
  const persistence = dir ? ['--appendonly', 'yes', '--appendfsync', 'always', '--dir', dir] : ['--appendonly', 'no'];
  const child = spawn(
    REDIS_SERVER,
    ['--port', String(p), '--bind', '127.0.0.1', '--save', '', ...persistence, '--protected-mode', 'yes'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`redis-server did not start: ${output.slice(-500)}`)), 10000);
    const onData = (chunk) => {
      output += chunk;
      if (/Ready to accept connections/i.test(output)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`redis-server exited (${code}): ${output.slice(-500)}`));
    });
  });
  child.stdout.resume();
  child.stderr.resume();
  const exited = new Promise((resolve) => child.once('exit', resolve));
  return {
    port: p,
    url: `redis://127.0.0.1:${p}`,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
