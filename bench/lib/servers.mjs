/**
 * The servers the benchmarks publish through: a fresh PostgreSQL database and a fresh Redis
 * key prefix per run, both named cfgmig_bench_<random> and removed at cleanup (the database
 * dropped WITH (FORCE), the prefix's keys scanned and deleted).
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { onCleanup } from './cleanup.mjs';
import { PG_ADMIN_URL, pgAdmin } from './setup.mjs';

export const REDIS_URL = process.env.CFGMIG_BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** True when Redis answers a PING (no retries). */
export async function redisReachable() {
  const r = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  r.on('error', () => undefined);
  try {
    await r.connect();
    return (await r.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    r.disconnect();
  }
}

/** Deletes every key under `prefix`. */
export async function dropRedisPrefix(prefix) {
  const r = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  try {
    let cursor = '0';
    do {
      const [next, keys] = await r.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
      cursor = next;
      if (keys.length > 0) await r.del(...keys);
    } while (cursor !== '0');
  } finally {
    r.disconnect();
  }
}

/**
 * Creates a database and picks a Redis prefix, both removed at cleanup. Returns them, the
 * store URL, the CLI environment that selects them (CFGMIG_STORE_URL, CFGMIG_REDIS_URL,
 * CFGMIG_REDIS_PREFIX) and a line saying where they are.
 */
export async function freshStoreAndPrefix() {
  const database = `cfgmig_bench_${randomBytes(6).toString('hex')}`;
  const prefix = `cfgmig_bench_${randomBytes(6).toString('hex')}:`;
  await pgAdmin((c) => c.query(`CREATE DATABASE ${database}`));
  onCleanup(() => pgAdmin((c) => c.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`)));
  onCleanup(() => dropRedisPrefix(prefix));
  const u = new URL(PG_ADMIN_URL);
  u.pathname = `/${database}`;
  const storeUrl = u.toString();
  return {
    database,
    prefix,
    storeUrl,
    env: { CFGMIG_STORE_URL: storeUrl, CFGMIG_REDIS_URL: REDIS_URL, CFGMIG_REDIS_PREFIX: prefix },
    where: `PostgreSQL database ${database} on ${u.host}, Redis ${REDIS_URL} prefix ${prefix}`,
  };
}
