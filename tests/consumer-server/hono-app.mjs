// A portal back end as a fetch handler (Hono on Node): the proxy verifies the patient's JWT
// (UPDOX_PROXY_JWT_SECRET) and answers Web Requests. Prints "listening PORT".
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { createUpdoxProxy, optionsFromEnv } from 'updox-direct/proxy';

const proxy = createUpdoxProxy({ ...optionsFromEnv(process.env), quiet: true });

const app = new Hono();
app.all('/api/updox/*', (c) => proxy(c.req.raw));
app.get('/health', (c) => c.json({ ok: true }));
serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info) => console.log(`listening ${info.port}`));
