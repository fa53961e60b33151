/**
 * STUB (being written): publication to Redis, docs/protocol.md.
 */
import type { Publication } from '../../core/publish/publication.js';

export interface RedisTarget {
  url: string;
  prefix: string;
}

export async function redisTarget(
  _root: string,
  env: Record<string, string | undefined>,
): Promise<RedisTarget | null> {
  const url = env.CFGMIG_REDIS_URL;
  return url ? { url, prefix: env.CFGMIG_REDIS_PREFIX ?? 'cfgmig:' } : null;
}

export interface RedisPublisher {
  /** Publishes unless Redis already holds this publication (same etag); true when it wrote. */
  publish(p: Publication): Promise<boolean>;
  close(): Promise<void>;
}

export async function openRedisPublisher(_t: RedisTarget): Promise<RedisPublisher> {
  throw new Error('not yet');
}
