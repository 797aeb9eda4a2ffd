// Which Host names the proxy answers (DNS rebinding: a page on an attacker's name that
// resolves to this machine must not reach a proxy holding Updox credentials), and which
// origins may call it from a page.

const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '[::1]'];

/** True for 127.0.0.0/8, ::1 and IPv4-mapped loopback. */
export function isLoopbackAddress(address) {
  if (typeof address !== 'string') return false;
  const a = address.toLowerCase().replace(/^::ffff:/, '');
  return a === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(a);
}

/** Splits a Host header into {name, port} (port null when absent); null when malformed. */
export function parseHost(host) {
  if (typeof host !== 'string') return null;
  const m = /^(\[[0-9a-f:.]+\]|[a-z0-9.-]+)(?::(\d{1,5}))?$/i.exec(host.trim());
  return m ? { name: m[1].toLowerCase().replace(/\.$/, ''), port: m[2] === undefined ? null : Number(m[2]) } : null;
}

/**
 * The host check. `allowed`: null (the default) or entries "name" (any port), "name:port", or
 * "*" (any host). The default allows the address and port the request arrived on (`local`,
 * known when running on Node's http) and, on a loopback listener, `localhost`; without
 * `local` (a fetch handler), loopback names only.
 */
export function hostAllowed(host, allowed, local) {
  const h = parseHost(host);
  if (!h) return false;
  if (allowed) {
    return allowed.some((entry) => {
      if (entry === '*') return true;
      const e = parseHost(entry);
      return e !== null && e.name === h.name && (e.port === null || e.port === (h.port ?? local?.defaultPort ?? null));
    });
  }
  if (!local) return LOOPBACK_NAMES.includes(h.name);
  const port = h.port ?? local.defaultPort;
  if (port !== local.port) return false;
  const address = local.address.replace(/^::ffff:/, '').toLowerCase();
  const name = address.includes(':') ? `[${address}]` : address;
  return h.name === name || (isLoopbackAddress(address) && LOOPBACK_NAMES.includes(h.name));
}

/**
 * True when `origin` is the origin of a page served from `host` (already allowed), scheme
 * included: the page must be https (the listener may be plain http behind a TLS-terminating
 * front), or plain http only on a loopback name reached over plain http (development). A
 * page served in clear text could be rewritten on the way, so it may not send as a patient.
 */
export function isSameOrigin(origin, host, local) {
  try {
    const o = new URL(origin);
    const h = parseHost(host);
    if (!h) return false;
    const tls = local?.defaultPort === 443;
    if (o.protocol === 'http:') {
      if (tls || !LOOPBACK_NAMES.includes(h.name) && !isLoopbackAddress(h.name)) return false;
    } else if (o.protocol !== 'https:') return false;
    const originPort = o.port === '' ? (o.protocol === 'https:' ? 443 : 80) : Number(o.port);
    const hostPort = h.port ?? (tls || o.protocol === 'https:' ? 443 : 80);
    return o.hostname.toLowerCase().replace(/\.$/, '') === h.name && originPort === hostPort;
  } catch {
    return false;
  }
}
