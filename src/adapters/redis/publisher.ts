/**
 * Publication to Redis (docs/protocol.md; the layout is core/publish/redis-layout.ts, shared
 * with cfgmig/client): per service and environment one hash, its member in the index set, and
 * a message on the changes channel, written in one MULTI so a reader woken by the message finds
 * the hash already complete.
 *
 * Redis is a copy: the store is the truth. So a Redis that is down must cost a command about
 * two seconds and an error it can report, never a hang; and no error message may carry the
 * URL's password.
 */
import { join } from 'node:path';
import { Redis } from 'ioredis';
import type { Publication } from '../../core/publish/publication.js';
import {
  changeMessage,
  changesChannel,
  decodePublication,
  DEFAULT_REDIS_PREFIX,
  encodePublication,
  indexKey,
  publicationKey,
} from '../../core/publish/redis-layout.js';
import { PROJECT_FILE } from '../../config/project.js';
import { badInput } from '../../errors.js';
import { exists } from '../files.js';

export interface RedisTarget {
  url: string;
  prefix: string;
}

const CONNECT_TIMEOUT_MS = 2000;
const COMMAND_TIMEOUT_MS = 5000;

/**
 * Where to publish: CFGMIG_REDIS_URL, else `redis:` in cfgmig.yaml, else nowhere (null). The
 * key prefix: CFGMIG_REDIS_PREFIX, else `cfgmig:`.
 */
export async function redisTarget(
  root: string,
  env: Record<string, string | undefined>,
): Promise<RedisTarget | null> {
  let url: string | undefined;
  let where = 'CFGMIG_REDIS_URL';
  const fromEnv = env.CFGMIG_REDIS_URL;
  if (fromEnv !== undefined && fromEnv.trim() !== '') {
    url = fromEnv.trim();
  } else if (await exists(join(root, PROJECT_FILE))) {
    // Imported here, as store/open.ts does: the YAML parser and schema validator load only
    // when there is a project file to read.
    const { loadProject } = await import('../../config/load.js');
    url = (await loadProject(root, env)).redis;
    where = `${PROJECT_FILE} redis`;
  }
  if (url === undefined || url === '') return null;
  if (!/^rediss?:\/\/\S*$/.test(url)) {
    // Never echo the value: it may hold a password.
    throw badInput(`${where} must be a redis:// or rediss:// URL`, {
      hint: 'Example: redis://redis.internal:6379/0',
    });
  }
  const prefix = env.CFGMIG_REDIS_PREFIX ?? DEFAULT_REDIS_PREFIX;
  if (prefix === '' || /\s/.test(prefix)) {
    throw badInput(
      `CFGMIG_REDIS_PREFIX must be non-empty and without whitespace, got ${JSON.stringify(prefix)}`,
      {
        hint: `Leave it unset for the default, ${DEFAULT_REDIS_PREFIX}`,
      },
    );
  }
  return { url, prefix };
}

/** The URL without its user and password, for messages. */
export function redisLocation(url: string): string {
  try {
    const u = new URL(url);
    const path = u.pathname && u.pathname !== '/' ? u.pathname : '';
    return `${u.protocol}//${u.host}${path}`;
  } catch {
    return 'the configured Redis';
  }
}

/** A message about `err` that names where Redis is and never what the URL's userinfo held. */
function describe(url: string, err: unknown, what: string): Error {
  let reason = err instanceof Error ? err.message : String(err);
  try {
    const u = new URL(url);
    for (const secret of [u.password, decodeURIComponent(u.password), u.username]) {
      if (secret.length >= 3) reason = reason.split(secret).join('***');
    }
  } catch {
    // An unparsable URL never reached ioredis' messages either.
  }
  reason = reason.replace(/(rediss?:\/\/)[^@\s/]*@/g, '$1').replace(/\.$/, '');
  return new Error(`Redis at ${redisLocation(url)} ${what}: ${reason}`);
}

export interface RedisPublisher {
  /** Publishes unless Redis already holds this publication (same etag); true when it wrote. */
  publish(p: Publication): Promise<boolean>;
  close(): Promise<void>;
}

export async function openRedisPublisher(t: RedisTarget): Promise<RedisPublisher> {
  const client = new Redis(t.url, {
    lazyConnect: true,
    // ioredis' own connect timeout keeps the process alive for its full length even after a
    // refused connection; the timeout is ours instead (below).
    connectTimeout: 0,
    // How long disconnect() waits for a socket to close before destroying it; its timer also
    // keeps the process alive that long.
    disconnectTimeout: 200,
    commandTimeout: COMMAND_TIMEOUT_MS,
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
    // Give up at once: the command reports the failure, `cfgmig publish` retries later.
    retryStrategy: () => null,
    reconnectOnError: () => false,
  });
  // Errors reach the caller through the rejected commands; without a listener ioredis would
  // also print them as unhandled. The last one says why a connection failed (connect() itself
  // only rejects with "Connection is closed").
  let lastError: unknown = null;
  client.on('error', (err) => {
    lastError = err;
  });
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      client.connect(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`connect timed out after ${CONNECT_TIMEOUT_MS / 1000} s`)),
          CONNECT_TIMEOUT_MS,
        );
      }),
    ]);
  } catch (err) {
    // Refused: ioredis already gave up (retryStrategy); timed out: still connecting, stop it.
    if (client.status !== 'end') client.disconnect();
    throw describe(t.url, lastError ?? err, 'is unreachable');
  } finally {
    clearTimeout(timer);
  }
  return {
    async publish(p) {
      const key = publicationKey(t.prefix, p.service, p.environment);
      try {
        if ((await client.hget(key, 'etag')) === p.etag) return false;
        const results = await client
          .multi()
          .del(key)
          .hset(key, encodePublication(p))
          .sadd(indexKey(t.prefix), `${p.environment}:${p.service}`)
          .publish(changesChannel(t.prefix), JSON.stringify(changeMessage(p)))
          .exec();
        if (results === null) throw new Error('the transaction was aborted');
        for (const [err] of results) if (err) throw err;
        return true;
      } catch (err) {
        throw describe(t.url, err, 'could not be written');
      }
    },
    async close() {
      try {
        await client.quit();
      } catch {
        client.disconnect();
      }
    },
  };
}

/** What Redis holds for a service and environment (null: nothing, or not a publication). */
export async function readRedisPublication(
  t: RedisTarget,
  service: string,
  environment: string,
): Promise<Publication | null> {
  const client = new Redis(t.url, {
    lazyConnect: true,
    connectTimeout: CONNECT_TIMEOUT_MS,
    commandTimeout: COMMAND_TIMEOUT_MS,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return decodePublication(await client.hgetall(publicationKey(t.prefix, service, environment)));
  } catch (err) {
    throw describe(t.url, err, 'could not be read');
  } finally {
    client.disconnect();
  }
}
