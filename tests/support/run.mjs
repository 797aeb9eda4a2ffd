// Running a command from a test: `run` resolves {code, stdout, stderr} and never rejects on
// a non-zero exit (a test asserts on it); `mustRun` fails the test unless the command exits 0.
//
//   import { mustRun, run } from './support/run.mjs';
//   await mustRun('npm', ['pack', '--json'], { cwd: PKG });           // 60 s unless `timeout`
//   const r = await run(tsc, ['-p', 'tsconfig.json'], { cwd: app });  // r.code, r.stdout
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { basename } from 'node:path';

/** Runs `cmd args` (no shell) with NO_COLOR=1; rejects only when it cannot start or times out. */
export function run(cmd, args, { cwd, timeout = 60_000 } = {}) {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { cwd, timeout, maxBuffer: 16 << 20, env: { ...process.env, NO_COLOR: '1' } }, (err, stdout, stderr) => {
      if (err && typeof err.code !== 'number') return reject(err);
      resolve({ code: err ? err.code : 0, stdout, stderr });
    });
  });
}

/** `run`, asserting exit code 0 (the message shows the command and its output). */
export async function mustRun(cmd, args, options) {
  const r = await run(cmd, args, options);
  assert.equal(r.code, 0, `${basename(cmd)} ${args.join(' ')} failed:\n${r.stdout}\n${r.stderr}`);
  return r;
}
