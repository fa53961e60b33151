/** How commands that publish report it: Redis failures are warnings (the store is the truth). */
import type { Published } from '../adapters/publish.js';

/** The Redis side of a publication in a few words: off, published, unchanged, failed. */
export function redisWord(redis: Published['redis']): string {
  return typeof redis === 'string' ? redis : 'failed';
}

/** The warning for stderr when Redis publication failed, else null. */
export function redisWarning(service: string, environment: string, redis: Published['redis']): string | null {
  if (typeof redis === 'string') return null;
  return `warning: Redis publication failed for ${service}/${environment}: ${redis.error}; the store and snapshot are up to date — run \`cfgmig publish\` once Redis is back\n`;
}
