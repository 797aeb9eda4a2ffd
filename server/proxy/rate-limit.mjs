// Per-patient rate limits with rate-limiter-flexible: in memory, or in Redis (shared by every
// instance) when Redis is configured, with an in-memory limiter standing in while Redis is
// away. Keys are SHA-256 hashes of the patient ID, never the ID itself.
import { createHash } from 'node:crypto';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';

const hashed = (id) => createHash('sha256').update(`updox-direct rate limit\0${id}`).digest('hex');

/**
 * One limiter per route: {points, duration (seconds)}. Returns consume(patientKey) ->
 * Promise<null | {retryAfterSec}>.
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
      await limiter.consume(hashed(patientKey), 1);
      return null;
    } catch (err) {
      if (err instanceof RateLimiterRes) return { retryAfterSec: Math.max(1, Math.ceil(err.msBeforeNext / 1000)) };
      throw err;
    }
  };
}
