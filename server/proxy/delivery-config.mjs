// The delivery-status options of the proxy: defaults, checks, environment variables.
import { BlockList, isIP } from 'node:net';

export const DEFAULT_DELIVERY_PATH = '/api/updox/MdnStatusList';
export const DEFAULT_WEBHOOK_PATH = '/api/updox/webhooks/inbound_mdn/';

const HOUR = 60 * 60 * 1000;
export const DELIVERY_DEFAULTS = Object.freeze({
  deliveryRetentionMs: 7 * 24 * HOUR,
  // As the Direct reference implementation's monitor: no MDN within an hour is a warning sign.
  deliveryUnconfirmedAfterMs: HOUR,
  deliveryCacheTtlMs: 30000,
});

/** A webhook token must carry at least 128 bits: 22 base64url characters or 32 hex digits. */
const TOKEN = /^[A-Za-z0-9_-]{22,256}$/;
const MIN_TOKEN_BITS = 128;

/** Bits a token carries, by its alphabet (hex digits 4 each, base64url 6 each). */
const tokenBits = (token) => token.length * (/^[0-9a-fA-F]+$/.test(token) ? 4 : 6);

function allowList(ips, fail) {
  if (ips === undefined || ips === null) return null;
  const list = new BlockList();
  for (const entry of ips) {
    const [address, prefix] = String(entry).trim().split('/');
    const family = isIP(address);
    if (!family) fail(`webhookAllowedIps: ${JSON.stringify(String(entry))} is not an IP address or CIDR range`);
    const type = family === 6 ? 'ipv6' : 'ipv4';
    if (prefix === undefined) list.addAddress(address, type);
    else {
      const bits = Number(prefix);
      if (!Number.isInteger(bits) || bits < 0 || bits > (family === 6 ? 128 : 32)) fail(`webhookAllowedIps: bad prefix in ${entry}`);
      list.addSubnet(address, bits, type);
    }
  }
  return list;
}

/** Resolves the delivery options into the config fields they make; `checks`: config.mjs's {positive, fail}. */
export function resolveDeliveryConfig(options, paths, { positive, fail }) {
  const deliveryPath = options.deliveryPath ?? DEFAULT_DELIVERY_PATH;
  const webhookPath = options.webhookPath ?? DEFAULT_WEBHOOK_PATH;
  if (!deliveryPath.startsWith('/') || paths.includes(deliveryPath)) fail('deliveryPath must be a path of its own');
  if (!webhookPath.startsWith('/') || !webhookPath.endsWith('/')) fail('webhookPath must start and end with /');
  const token = options.webhookToken ?? null;
  if (token !== null) {
    if (typeof token !== 'string' || !TOKEN.test(token) || tokenBits(token) < MIN_TOKEN_BITS) {
      fail(
        'webhookToken must be a random token of at least 128 bits written in base64url or hex ' +
          '(e.g. node -e "console.log(crypto.randomBytes(32).toString(\'base64url\'))")',
      );
    }
  }
  if (options.now !== undefined && typeof options.now !== 'function') fail('now must be a function returning milliseconds');
  return {
    deliveryPath,
    webhookPath,
    webhookToken: token,
    webhookAllowedIps: allowList(options.webhookAllowedIps, fail),
    deliveryRetentionMs: positive('deliveryRetentionMs', options.deliveryRetentionMs, DELIVERY_DEFAULTS.deliveryRetentionMs),
    deliveryUnconfirmedAfterMs: positive(
      'deliveryUnconfirmedAfterMs',
      options.deliveryUnconfirmedAfterMs,
      DELIVERY_DEFAULTS.deliveryUnconfirmedAfterMs,
    ),
    deliveryCacheTtlMs: positive('deliveryCacheTtlMs', options.deliveryCacheTtlMs, DELIVERY_DEFAULTS.deliveryCacheTtlMs),
    now: options.now ?? Date.now,
  };
}

/**
 * The delivery options from the environment (only those set): UPDOX_PROXY_WEBHOOK_TOKEN,
 * UPDOX_PROXY_WEBHOOK_ALLOWED_IPS (comma-separated addresses or CIDR ranges),
 * UPDOX_DELIVERY_RETENTION_MS, UPDOX_DELIVERY_UNCONFIRMED_AFTER_MS, UPDOX_DELIVERY_CACHE_TTL_MS.
 */
export function deliveryOptionsFromEnv(env) {
  const o = {};
  const set = (name) => env[name] !== undefined && env[name] !== '';
  if (set('UPDOX_PROXY_WEBHOOK_TOKEN')) o.webhookToken = env.UPDOX_PROXY_WEBHOOK_TOKEN;
  if (set('UPDOX_PROXY_WEBHOOK_ALLOWED_IPS')) {
    o.webhookAllowedIps = env.UPDOX_PROXY_WEBHOOK_ALLOWED_IPS.split(',')
      .map((s) => s.trim())
      .filter(Boolean);
  }
  if (set('UPDOX_DELIVERY_RETENTION_MS')) o.deliveryRetentionMs = Number(env.UPDOX_DELIVERY_RETENTION_MS);
  if (set('UPDOX_DELIVERY_UNCONFIRMED_AFTER_MS')) o.deliveryUnconfirmedAfterMs = Number(env.UPDOX_DELIVERY_UNCONFIRMED_AFTER_MS);
  if (set('UPDOX_DELIVERY_CACHE_TTL_MS')) o.deliveryCacheTtlMs = Number(env.UPDOX_DELIVERY_CACHE_TTL_MS);
  return o;
}
