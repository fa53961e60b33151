/**
 * Gives tests the real Redis on 127.0.0.1:6379 under a key prefix of their own
 * (`cfgmig_test_<random>:`), whose keys are deleted afterwards.
 *
 * When the server is unreachable: under CI=true the test file fails to load (Redis is
 * mandatory there); locally the Redis suites are skipped with a visible warning.
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';

export const REDIS_URL = process.env.CFGMIG_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

export async function redisReachable(url = REDIS_URL): Promise<boolean> {
  const r = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
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

/** Whether the Redis suites run: throws under CI when Redis is down, warns and says no locally. */
export async function redisAvailable(): Promise<boolean> {
  if (await redisReachable()) return true;
  const ci = process.env.CI === 'true' || process.env.CI === '1';
  const msg = `Redis is not reachable at ${REDIS_URL}`;
  if (ci) throw new Error(`${msg}: the Redis tests are mandatory under CI=true`);
  console.warn(`\n⚠ ${msg}: SKIPPING the Redis tests (they run under CI=true)\n`);
  return false;
}

export function freshPrefix(): string {
  return `cfgmig_test_${randomBytes(6).toString('hex')}:`;
}

/** Every key under the prefix, deleted (SCAN, not KEYS: the server may be shared). */
export async function dropPrefix(prefix: string, url = REDIS_URL): Promise<void> {
  const r = new Redis(url, { maxRetriesPerRequest: 1 });
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

/** Every string in every key under the prefix (hash fields and values, strings, set members). */
export async function dumpPrefix(prefix: string, url = REDIS_URL): Promise<string> {
  const r = new Redis(url, { maxRetriesPerRequest: 1 });
  const out: string[] = [];
  try {
    let cursor = '0';
    do {
      const [next, keys] = await r.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
      cursor = next;
      for (const key of keys) {
        const type = await r.type(key);
        out.push(key);
        if (type === 'hash') out.push(...Object.entries(await r.hgetall(key)).flat());
        else if (type === 'string') out.push((await r.get(key)) ?? '');
        else if (type === 'set') out.push(...(await r.smembers(key)));
        else if (type === 'list') out.push(...(await r.lrange(key, 0, -1)));
      }
    } while (cursor !== '0');
  } finally {
    r.disconnect();
  }
  return out.join('\n');
}
