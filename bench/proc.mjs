// Resident memory of a browser engine's processes, from Linux's /proc: which processes an
// engine started (the processes below this Node process that appeared while it opened), their
// resident set now (VmRSS), and the peak since a reset (VmHWM; writing 5 to clear_refs resets
// it to the current RSS). The same for every engine: Chromium (browser, renderer, GPU and
// network service), Firefox (parent, content, socket and utility processes) and WebKit
// (WebKitWebDriver, MiniBrowser, its web and network processes).
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';

/** pid → parent pid, for every process now. */
function parents() {
  const parent = new Map();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      parent.set(Number(name), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // gone meanwhile
    }
  }
  return parent;
}

/** The processes below `root` (default: this process), now. */
export function descendants(root = process.pid) {
  const parent = parents();
  const below = (pid) => {
    for (let p = parent.get(pid), i = 0; p > 1 && i < 64; p = parent.get(p), i++) if (p === root) return true;
    return false;
  };
  return new Set([...parent.keys()].filter(below));
}

/** The short name of a process (as `ps` shows it), or null when it is gone. */
export function processName(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
  } catch {
    return null;
  }
}

/** Chromium's process type from its command line (`browser` when it has no --type). */
function chromiumType(pid) {
  try {
    const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split(/[\0 ]/); // setproctitle joins with spaces
    const t = args.find((a) => a.startsWith('--type='));
    return t ? t.slice(7) : 'browser';
  } catch {
    return null;
  }
}

/**
 * A name for what the process is: Chromium's by its --type (browser, renderer, gpu-process,
 * utility, zygote), the others by their process name.
 */
export function processRole(pid) {
  const name = processName(pid);
  return name && /^chrom/i.test(name) ? `chromium ${chromiumType(pid)}` : name;
}

/**
 * The processes that hold the page and what it creates (its script heap, wasm memory and
 * Blobs): Chromium's browser and renderer processes, Firefox's parent and content processes,
 * WebKit's MiniBrowser and web process. The rest (GPU, network, sockets, drivers) are counted
 * in the total only.
 */
export function isPageProcess(role) {
  return /^(chromium (browser|renderer)|firefox-esr|firefox|Web Content|Isolated Web Co|MiniBrowser|WebKitWebProces)/.test(role ?? '');
}

function statusKb(pid, field) {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : 0;
}

/**
 * Opens an engine with `open()` and finds its processes: those below this process that were
 * not there before (an X server is not the engine's: start it first). Resolves {engine, pids()}:
 * pids() is the engine's processes now (they may start more, e.g. one per page).
 */
export async function openTracked(open) {
  const before = descendants();
  const engine = await open();
  const known = new Set();
  const pids = () => {
    for (const p of descendants()) if (!before.has(p) && processName(p) !== 'Xvfb') known.add(p);
    for (const p of known) if (processName(p) === null) known.delete(p);
    return [...known];
  };
  pids();
  return { engine, pids };
}

/** Resets the peak of each of `pids` and records its RSS: a Map pid → {name, rssKb}. */
export function resetPeaks(pids) {
  const before = new Map();
  for (const pid of pids) {
    try {
      writeFileSync(`/proc/${pid}/clear_refs`, '5');
      before.set(pid, { name: processRole(pid), rssKb: statusKb(pid, 'VmRSS') });
    } catch {
      // exited meanwhile
    }
  }
  return before;
}

/**
 * Bytes each process's peak rose above its RSS at the reset: {totalBytes, pageBytes
 * (isPageProcess only), byName: {role: bytes}}. A process that started after the reset is
 * listed with its whole peak but not counted: the page's processes were there before, and
 * what starts meanwhile is the engine's own (Firefox launches a spare content process a few
 * seconds after its first page).
 */
export function peaksAbove(before, pids) {
  let totalBytes = 0;
  let pageBytes = 0;
  const byName = {};
  for (const pid of pids) {
    let hwmKb;
    try {
      hwmKb = statusKb(pid, 'VmHWM');
    } catch {
      continue;
    }
    const b = before.get(pid);
    const added = (b ? hwmKb - b.rssKb : hwmKb) * 1024;
    const role = b?.name ?? processRole(pid);
    const name = `${role}${b ? '' : ' (started meanwhile, not counted)'}`;
    byName[name] = (byName[name] ?? 0) + added;
    if (!b) continue;
    totalBytes += added;
    if (isPageProcess(role)) pageBytes += added;
  }
  return { totalBytes, pageBytes, byName };
}
