// The standalone proxy: `node server/proxy.mjs` serves updox-direct/proxy (server/proxy/, the
// code the npm package ships) on its own Node http server, configured by environment
// variables (see optionsFromEnv in server/proxy/config.mjs and the README's "Server side"):
//
//   PORT (8081), HOST (127.0.0.1)
//   UPDOX_BASE_URL          Updox's API base; unset: a mock Updox is started and used, with
//                           the mock's demo credentials
//   UPDOX_APPLICATION_ID, UPDOX_APPLICATION_PASSWORD, UPDOX_ACCOUNT_ID, UPDOX_USER_ID
//   UPDOX_PROXY_JWT_SECRET (HS256) or UPDOX_PROXY_JWKS_URL (RS256/ES256, https, with
//                           UPDOX_PROXY_JWT_ISSUER): patients sign in with `Authorization:
//                           Bearer <JWT>` whose `sub` is the patient ID; UPDOX_PROXY_JWT_AUDIENCE
//                           is required
//   UPDOX_PROXY_SERVER_SECRET  32+ random bytes keying what is kept at rest (required with
//                           UPDOX_IDEMPOTENCY_REDIS_URL; the same on every instance)
//   UPDOX_PROXY_DEMO=1      no authentication (a demo: senders are not bound; loopback
//                           upstream and HOST only)
//   … and the rest listed in optionsFromEnv.
//
// Without a JWT setting and without UPDOX_PROXY_DEMO=1 it refuses to start, saying why.
import http from 'node:http';
import { pathToFileURL } from 'node:url';
import { isLoopbackHostname } from './proxy/config.mjs';
import { createUpdoxProxy, optionsFromEnv } from './proxy/index.mjs';

export * from './proxy/index.mjs';
export { fingerprint, idempotencySecrets, idempotencyStoreKey, openAnswer, patientKeyOf, sealAnswer } from './proxy/idempotency.mjs';

/** Demo mode answers anyone as any patient: it listens on loopback only. */
export function refuseDemoOffLoopback(demo, host) {
  if (demo && !isLoopbackHostname(host)) {
    throw new Error(`updox-direct/proxy: refusing demo mode on ${host}: a demo proxy listens on a loopback address only (HOST=127.0.0.1)`);
  }
}

/**
 * Starts a proxy on its own server (the runner, and tests). Options are createUpdoxProxy's,
 * over those read from `env` (default process.env). Without a baseUrl it also starts the
 * mock Updox and forwards to it with the mock's demo credentials.
 * Resolves {url, routeUrl, validateUrl, deliveryUrl, webhookUrl (null without webhookToken),
 * server, handler, mock?, close()}.
 */
export async function startProxy({ port = 0, host = '127.0.0.1', env = process.env, ...options } = {}) {
  let merged = { ...optionsFromEnv(env), ...options };
  let mock;
  if (!merged.baseUrl) {
    const { DEMO_AUTH, startMockUpdox } = await import('./mock-updox.mjs');
    const auth = merged.auth ?? DEMO_AUTH;
    mock = await startMockUpdox({ ...auth, env });
    merged = { ...merged, baseUrl: mock.baseUrl, auth };
  }
  let handler;
  try {
    handler = createUpdoxProxy(merged);
    refuseDemoOffLoopback(handler.demo, host);
  } catch (err) {
    await handler?.close();
    await mock?.close();
    throw err;
  }
  const server = http.createServer(handler.node);
  try {
    await new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, resolve);
    });
  } catch (err) {
    await handler.close();
    await mock?.close();
    throw err;
  }
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${server.address().port}`;
  // The mock's MDNs come back through the proxy's webhook, as Updox's would.
  if (mock && handler.webhookPath && !env.UPDOX_MOCK_WEBHOOK_URL) mock.setWebhookUrl(url + handler.webhookPath);
  return {
    url,
    routeUrl: url + handler.paths.send,
    validateUrl: url + handler.paths.validate,
    deliveryUrl: url + handler.paths.delivery,
    webhookUrl: handler.webhookPath ? url + handler.webhookPath : null,
    server,
    handler,
    mock,
    close: async () => {
      await new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await handler.close();
      if (mock) await mock.close();
    },
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  let proxy;
  const stop = () => (proxy ? proxy.close() : Promise.resolve()).then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    proxy = await startProxy({ port: Number(process.env.PORT ?? 8081), host: process.env.HOST || '127.0.0.1' });
    await proxy.handler.ready;
  } catch (err) {
    console.error(err?.message ?? String(err));
    await proxy?.close();
    process.exit(1);
  }
  console.log(`updox-direct proxy: ${proxy.routeUrl} -> ${proxy.handler.targets.send}`);
  console.log(`                    ${proxy.validateUrl} -> ${proxy.handler.targets.validate}`);
  console.log(`                    ${proxy.deliveryUrl} -> MdnStatusList`);
  // The webhook URL holds its token: a secret, so only whether it is on is printed.
  console.log(`  inbound_mdn webhook: ${proxy.webhookUrl ? 'on (UPDOX_PROXY_WEBHOOK_TOKEN)' : 'off'}`);
  if (proxy.mock) console.log(`  mock Updox: ${proxy.mock.baseUrl} (UPDOX_BASE_URL is not set)`);
}
