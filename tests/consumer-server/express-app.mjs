// A portal back end on Express: its own cookie session says who the patient is, and the proxy
// is mounted (before any body parser) with toNodeHandler. Prints "listening PORT".
import express from 'express';
import { createUpdoxProxy, optionsFromEnv, toNodeHandler } from 'updox-direct/proxy';

// The portal's sessions (a real portal has its own store).
const sessions = new Map([['session-48213', { patientId: '48213' }]]);

const proxy = createUpdoxProxy({
  ...optionsFromEnv(process.env), // UPDOX_BASE_URL and the UPDOX_* credentials
  authorize: (request, { req }) => {
    const sid = /(?:^|;\s*)sid=([^;]+)/.exec(req.headers.cookie ?? '')?.[1];
    return sid && sessions.has(sid) ? { patientId: sessions.get(sid).patientId, scope: sid } : null;
  },
  quiet: true,
});

const app = express();
app.use(toNodeHandler(proxy));
app.use(express.json()); // the portal's other routes may parse bodies: after the proxy
app.get('/health', (req, res) => res.json({ ok: true }));
const server = app.listen(0, '127.0.0.1', () => console.log(`listening ${server.address().port}`));
