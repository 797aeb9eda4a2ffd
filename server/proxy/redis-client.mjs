// The one Redis connection an instance uses (idempotency store and rate limits), made only
// when Redis is configured. `redis` is an optional peer dependency, imported here and only here.

/**
 * Connects to `url`; resolves {client, ready, close()}. `ready` settles at the first
 * connection or the first failure, whichever is first: commands wait for it once, then fail
 * fast while Redis is away (no offline queue), and the client reconnects in the background.
 */
export async function openRedis(url) {
  let createClient;
  try {
    ({ createClient } = await import('redis'));
  } catch {
    throw new Error('updox-direct/proxy: a Redis URL is configured but the "redis" package is not installed (npm install redis)');
  }
  const client = createClient({
    url,
    disableOfflineQueue: true,
    socket: { connectTimeout: 1000, reconnectStrategy: (retries) => Math.min(50 * (retries + 1), 1000) },
  });
  client.on('error', () => {}); // connection errors surface as rejected commands
  const ready = new Promise((resolve) => {
    client.once('ready', resolve);
    client.once('error', resolve);
  });
  const connecting = client.connect().catch(() => {});
  client.unref(); // an idle connection must not keep the process alive
  let closed = false;
  return {
    client,
    ready,
    get closed() {
      return closed;
    },
    async close() {
      if (closed) return;
      closed = true;
      client.destroy();
      await connecting;
    },
  };
}

/**
 * Runs `fn(client)` on a connection from openRedis (or a promise of one) once it is ready,
 * rejecting after `timeoutMs` so that a Redis that went away cannot hold a request.
 */
export function redisCommand(redis, fn, timeoutMs) {
  let timer;
  const deadline = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error('redis command timed out')), timeoutMs);
  });
  const command = Promise.resolve(redis).then(async (c) => {
    await c.ready;
    return fn(c.client);
  });
  return Promise.race([command, deadline]).finally(() => clearTimeout(timer));
}
