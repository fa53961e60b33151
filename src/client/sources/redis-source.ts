/**
 * Redis: the hash `<prefix>publication:<environment>:<service>` and the channel
 * `<prefix>changes` (core/publish/redis-layout.ts, docs/protocol.md). One connection reads,
 * another subscribes. Commands fail at once while Redis is down (no offline queue), so a read
 * path never waits on a dead server; ioredis keeps reconnecting in the background, and every
 * (re)subscription asks the client to look again, catching up on messages missed meanwhile.
 */
import { Redis } from 'ioredis';
import {
  changesChannel,
  decodePublication,
  parseChangeMessage,
  publicationKey,
} from '../../core/publish/redis-layout.js';
import { withTimeout, type Source } from './source.js';

export interface RedisSourceOptions {
  url: string;
  prefix: string;
  service: string;
  environment: string;
  connectTimeoutMs: number;
}

export function redisSource(o: RedisSourceOptions): Source {
  const common = {
    connectTimeout: o.connectTimeoutMs,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    // Back off up to 1 s between attempts, for as long as the client lives.
    retryStrategy: (times: number) => Math.min(times * 100, 1000),
    lazyConnect: true,
    // On close, a socket that does not end at once is destroyed after this instead of 2 s,
    // so a service shutting down is not held up.
    disconnectTimeout: 200,
  };
  const cmd = new Redis(o.url, common);
  const sub = new Redis(o.url, { ...common, enableOfflineQueue: true });
  // Errors surface through fetch() and live(); an 'error' event with no listener would throw.
  cmd.on('error', () => undefined);
  sub.on('error', () => undefined);
  const key = publicationKey(o.prefix, o.service, o.environment);
  const channel = changesChannel(o.prefix);
  let started = false;
  const start = (): void => {
    if (started) return;
    started = true;
    cmd.connect().catch(() => undefined);
  };

  return {
    name: 'redis',
    async fetch() {
      start();
      // Still connecting the first time: wait for it; down and retrying: fail at once.
      if (cmd.status === 'wait' || cmd.status === 'connecting' || cmd.status === 'connect')
        await waitReady(cmd, o.connectTimeoutMs);
      if (cmd.status !== 'ready') throw new Error(`Redis is not reachable (${cmd.status})`);
      const fields = await cmd.hgetall(key);
      if (Object.keys(fields).length === 0) return null;
      const p = decodePublication(fields);
      if (p === null) throw new Error(`Redis key ${key} does not hold a publication this client can read`);
      return p;
    },
    async listen(hint) {
      sub.on('message', (ch: string, text: string) => {
        if (ch !== channel) return;
        const m = parseChangeMessage(text);
        if (m && m.service === o.service && m.environment === o.environment) hint();
      });
      sub.connect().catch(() => undefined);
      // Subscribed before connect() returns, so no change after it is missed. Redis down: the
      // subscription is queued and made on reconnection, and 'ready' then asks to look again.
      await withTimeout('Redis SUBSCRIBE', o.connectTimeoutMs, sub.subscribe(channel)).catch(() => undefined);
      sub.on('ready', hint);
    },
    live: () => sub.status === 'ready',
    async close() {
      cmd.disconnect();
      sub.disconnect();
    },
  };
}

/** Resolves when the connection is ready; rejects on its first error or after `ms`. */
function waitReady(r: Redis, ms: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = (err?: Error): void => {
      clearTimeout(timer);
      r.off('ready', onReady);
      r.off('error', onError);
      if (err) reject(err);
      else resolve();
    };
    const onReady = (): void => done();
    const onError = (err: Error): void => done(new Error(`Redis is not reachable: ${err.message}`));
    const timer = setTimeout(() => done(new Error(`Redis did not answer within ${ms} ms`)), ms);
    timer.unref();
    r.once('ready', onReady);
    r.once('error', onError);
  });
}
