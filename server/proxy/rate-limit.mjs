// Per-patient rate limits with rate-limiter-flexible: in memory, or in Redis (shared by every
// instance) when Redis is configured, with an in-memory limiter standing in while Redis is
// away. Keys are HMACs of the patient under the server secret (see idempotency.mjs), never the
// ID itself nor a hash anyone can recompute from a guessed ID.
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';

/**
 * One limiter per route: {points, duration (seconds)}. Returns consume(key) ->
 * Promise<null | {retryAfterSec}>, `key` already keyed with the server secret.
 */
export function createRateLimiter({ points, duration }, route, redis) {
  const keyPrefix = `updox-direct:rl:${route}`;
  const memory = new RateLimiterMemory({ points, duration, keyPrefix });
  let limiter = memory;
  if (redis) {
    limiter = new RateLimiterRedis({
      storeClient: redis.client,
      useRedisPackage: true,
      rejectIfRedisNotReady: true,
      points,
      duration,
      keyPrefix,
      insuranceLimiter: new RateLimiterMemory({ points, duration, keyPrefix }),
    });
  }
  return async (patientKey) => {
    try {
      await limiter.consume(patientKey, 1);
      return null;
    } catch (err) {
      if (err instanceof RateLimiterRes) return { retryAfterSec: Math.max(1, Math.ceil(err.msBeforeNext / 1000)) };
      throw err;
    }
  };
}
