// The portal's server: the built page, a stand-in sign-in that issues a JWT for one patient,
// and updox-direct/proxy, which accepts a send only from the patient the token names and
// adds the Updox credentials. `node server.mjs` with the UPDOX_* variables below; from the
// repository, `npm run example` builds the page and runs it against the mock Updox.
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import express from 'express';
import { SignJWT } from 'jose';
import { createUpdoxProxy, toNodeHandler } from 'updox-direct/proxy';

/** The audience of the tokens the sign-in issues for the proxy. */
const AUDIENCE = 'portal.example/updox';

/** The portal's patients (a real portal has its own accounts and a real sign-in). */
export const PATIENTS = new Map([
  ['48213', 'Ana Ruiz'],
  ['51007', 'Ben Okafor'],
]);

const CONTENT_SECURITY_POLICY =
  "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; connect-src 'self'; " +
  "style-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

/**
 * The portal's Express app. `updox`: {baseUrl, auth} of Updox; `jwtSecret`: at least 32
 * bytes, shared by the sign-in (which signs) and the proxy (which verifies); `staticDir`:
 * the built page (Vite's dist/). Returns {app, proxy}; close the proxy with the server.
 */
export function createPortal({ updox, jwtSecret, staticDir, log = console.log }) {
  const proxy = createUpdoxProxy({
    baseUrl: updox.baseUrl,
    auth: updox.auth,
    // `sub` is the patient (the proxy refuses any other sender); `aud` says the token was
    // issued for this portal's messaging, not for another application.
    jwt: { secret: jwtSecret, audience: AUDIENCE },
    log,
  });
  const key = new TextEncoder().encode(jwtSecret);
  const app = express();
  app.disable('x-powered-by');
  app.use((req, res, next) => {
    res.set('Content-Security-Policy', CONTENT_SECURITY_POLICY);
    next();
  });
  app.use(toNodeHandler(proxy)); // the two proxy routes; before any body parser
  app.use(express.json({ limit: '4kb' }));
  // Stand-in sign-in: a real portal checks a password or a single sign-on here.
  app.post('/sign-in', async (req, res) => {
    const patientId = String(req.body?.patientId ?? '');
    if (!PATIENTS.has(patientId)) return res.status(401).json({ error: 'unknown_patient' });
    const token = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(patientId)
      .setAudience(AUDIENCE)
      .setIssuedAt()
      .setExpirationTime('15m')
      .sign(key);
    res.json({ patientId, name: PATIENTS.get(patientId), token });
  });
  app.use(express.static(staticDir));
  return { app, proxy };
}

/** Starts the portal on host:port (0 = a free port); resolves {url, close()}. */
export async function startPortal({ port = 0, host = '127.0.0.1', ...options }) {
  const { app, proxy } = createPortal(options);
  await proxy.ready;
  const server = await new Promise((resolve, reject) => {
    const s = app.listen(port, host, () => resolve(s));
    s.once('error', reject);
  });
  const url = `http://${host}:${server.address().port}/`;
  return {
    url,
    close: async () => {
      await new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await proxy.close();
    },
  };
}

// node server.mjs: Updox from the environment, the page from dist/ (npm run build).
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const env = process.env;
  const need = ['UPDOX_BASE_URL', 'UPDOX_APPLICATION_ID', 'UPDOX_APPLICATION_PASSWORD', 'UPDOX_ACCOUNT_ID', 'UPDOX_USER_ID'];
  const missing = need.filter((name) => !env[name]);
  if (missing.length > 0) {
    console.error(`example portal: set ${missing.join(', ')}`);
    process.exit(1);
  }
  const portal = await startPortal({
    port: Number(env.PORT ?? 8090),
    host: env.HOST ?? '127.0.0.1',
    updox: {
      baseUrl: env.UPDOX_BASE_URL,
      auth: {
        applicationId: env.UPDOX_APPLICATION_ID,
        applicationPassword: env.UPDOX_APPLICATION_PASSWORD,
        accountId: env.UPDOX_ACCOUNT_ID,
        userId: env.UPDOX_USER_ID,
      },
    },
    // A real portal keeps one secret in its configuration; a fresh one signs out everyone.
    jwtSecret: env.PORTAL_JWT_SECRET ?? randomBytes(32).toString('base64url'),
    staticDir: fileURLToPath(new URL('dist/', import.meta.url)),
  });
  console.log(`example portal: ${portal.url}`);
}
