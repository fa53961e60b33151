/**
 * cfgmig/client against the real servers: a project applied to a PostgreSQL store and
 * published to Redis under a prefix of this run; clients run in processes of their own
 * (test/support/client-probe.mjs) as services would.
 *
 * - a flag change made by the CLI reaches clients in two other processes;
 * - legacy values come from the service's environment, converted as the plan did;
 * - Redis taken away: clients keep serving their last values and say they are degraded, and
 *   recover when it is back;
 * - the store unreachable: the snapshot file serves;
 * - a lost pub/sub message: the periodic reconciliation catches up;
 * - credentials: decrypted with the master key, an error without it.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makePublication, type Publication } from '../../src/core/publish/publication.js';
import { decodePublication, encodePublication, publicationKey } from '../../src/core/publish/redis-layout.js';
import { MigrationCompatibleConfig, MissingKeyError } from '../../src/client/index.js';
import { Redis } from 'ioredis';
import { cleanEnv, runCli, flagsSet } from '../support/cli.js';
import { startProbe, type Probe } from '../support/probe.js';
import { makeProject } from '../support/project.js';
import { dropPrefix, freshPrefix, REDIS_URL, redisAvailable } from '../support/redis.js';
import { storeBackends, useStores, type FreshStore } from '../support/stores.js';
import { startProxy } from '../support/tcp-proxy.js';

const MARKER = `cfgmigMarker${randomBytes(6).toString('hex')}`;
const MASTER_KEY = randomBytes(32).toString('base64');
const redisUp = await redisAvailable();
const pgUp = (await storeBackends()).find((b) => b.name === 'postgres')!.available;

const PROJECT = {
  'docker-compose.yml': [
    'services:',
    '  api:',
    '    image: api',
    '    environment:',
    '      SERVICE_PORT: "8080"',
    '      POOL_MAX: "20"',
    `      DATABASE_URL: "postgres://app:${MARKER}@db.internal:5432/orders"`,
    '',
  ].join('\n'),
  'rules/api.yaml': [
    'name: api',
    "appliesTo: ['*']",
    'map:',
    '  - from: SERVICE_PORT',
    '    to: service.port',
    '    type: integer',
    '  - from: POOL_MAX',
    '    to: database.pool.max',
    '    type: integer',
    '  - from: DATABASE_URL',
    '    split: url',
    '    parts:',
    '      host: database.host',
    '      password: database.password',
    '',
  ].join('\n'),
};

describe.skipIf(!redisUp || !pgUp)('cfgmig/client with Redis and PostgreSQL', () => {
  const fresh = useStores('postgres');
  const prefix = freshPrefix();
  let store: FreshStore;
  let project: { dir: string; cleanup: () => Promise<void> };
  let env: Record<string, string>;
  const probes: Probe[] = [];
  const cli = (...args: string[]) => runCli([...args, '--project', project.dir], { env });
  const setFlag = async (mode: string, percent?: string) => {
    const r = await cli(
      ...flagsSet('api', 'production', mode, 'test', ...(percent ? ['--percent', percent] : [])),
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  };
  /** The service's own environment: what it read before the migration. */
  const legacy = {
    SERVICE_PORT: '8080',
    POOL_MAX: '12',
    DATABASE_URL: 'postgres://app:legacy-pw@old-db:5432/orders',
  };
  const options = (extra: object = {}) => ({
    service: 'api',
    environment: 'production',
    projectDir: project.dir,
    redis: { url: REDIS_URL, prefix },
    store: store.url,
    legacy,
    reconcileIntervalMs: 300,
    ...extra,
  });

  beforeAll(async () => {
    store = await fresh();
    project = await makeProject(PROJECT);
    env = cleanEnv({
      ...store.env,
      CFGMIG_MASTER_KEY: MASTER_KEY,
      CFGMIG_REDIS_URL: REDIS_URL,
      CFGMIG_REDIS_PREFIX: prefix,
    });
    const applied = await cli('apply', '--all', '--yes');
    expect(applied.stderr).toBe('');
    expect(applied.code).toBe(0);
  });

  afterAll(async () => {
    for (const p of probes) await p.stop();
    await dropPrefix(prefix);
    await project?.cleanup();
  });

  it('a flag change made by the CLI reaches clients in two other processes', async () => {
    const started = await Promise.all([startProbe(options()), startProbe(options())]);
    probes.push(...started);
    for (const p of started) {
      expect(p.events[0]).toMatchObject({
        health: { status: 'ok', source: 'redis' },
        flags: { default: { mode: 'legacy_only' } },
      });
      // legacy_only: the service's own environment, converted as the plan converted it.
      expect(await p.get('database.pool.max')).toBe(12);
      expect(await p.get('database.host')).toBe('old-db');
    }
    await setFlag('new_only');
    for (const p of started) {
      await p.next(
        (e) => e.event === 'flags' && (e.flags as { default: { mode: string } }).default.mode === 'new_only',
      );
      expect(await p.get('database.pool.max')).toBe(20);
      expect(await p.get('database.host')).toBe('db.internal');
      // Watchers heard of the values that changed.
      await p.next((e) => e.event === 'change' && (e.change as { key: string }).key === 'database.pool.max');
    }
  });

  it('credentials: decrypted with the master key, a clear error without it, never in the publication', async () => {
    const withKey = await MigrationCompatibleConfig.connect(options({ masterKey: MASTER_KEY }));
    const without = await MigrationCompatibleConfig.connect(options());
    try {
      expect(withKey.flags().default.mode).toBe('new_only');
      expect(await withKey.get('database.password')).toBe(MARKER);
      await expect(without.get('database.password')).rejects.toBeInstanceOf(MissingKeyError);
      await expect(without.get('database.password')).rejects.not.toThrow(MARKER);
      const r = new Redis(REDIS_URL);
      try {
        const fields = await r.hgetall(publicationKey(prefix, 'api', 'production'));
        expect(JSON.stringify(fields)).not.toContain(MARKER);
        expect(Object.keys(decodePublication(fields)!.credentials)).toHaveLength(1);
      } finally {
        r.disconnect();
      }
    } finally {
      await withKey.close();
      await without.close();
    }
  });

  it('Redis taken away: last known values keep being served, health says degraded, and it recovers', async () => {
    const proxy = await startProxy(Number(new URL(REDIS_URL).port || 6379));
    const client = await MigrationCompatibleConfig.connect(
      options({
        redis: { url: `redis://127.0.0.1:${proxy.port}`, prefix },
        store: undefined,
        projectDir: undefined,
      }),
    );
    try {
      expect((await client.health()).status).toBe('ok');
      await proxy.down();
      await until(async () => (await client.health()).status === 'degraded');
      expect(await client.get('database.pool.max')).toBe(20);
      expect(await client.metrics()).toMatch(/^cfgmig_config_degraded\{service="api"\} 1$/m);
      await proxy.up();
      await until(async () => (await client.health()).status === 'ok');
      expect(await client.metrics()).toMatch(/^cfgmig_config_degraded\{service="api"\} 0$/m);
    } finally {
      await client.close();
      await proxy.down();
    }
  });

  it('Redis and the store unreachable at start: the snapshot file serves', async () => {
    const client = await MigrationCompatibleConfig.connect(
      options({
        redis: { url: 'redis://127.0.0.1:1', prefix },
        store: 'postgres://postgres@127.0.0.1:1/none',
        sourceTimeoutMs: 1000,
      }),
    );
    try {
      const health = await client.health();
      expect(health).toMatchObject({ status: 'degraded', source: 'snapshot' });
      expect(health.sources.map((s) => [s.name, s.ok])).toEqual([
        ['redis', false],
        ['store', false],
        ['snapshot', true],
      ]);
      expect(JSON.stringify(health)).not.toContain(MARKER);
      expect(await client.get('database.pool.max')).toBe(20);
    } finally {
      await client.close();
    }
  });

  it('Redis down but the store up: the store serves', async () => {
    const client = await MigrationCompatibleConfig.connect(
      options({
        redis: { url: 'redis://127.0.0.1:1', prefix },
        projectDir: undefined,
        sourceTimeoutMs: 1000,
      }),
    );
    try {
      expect(await client.health()).toMatchObject({ status: 'degraded', source: 'store' });
      expect(await client.get('service.port')).toBe(8080);
    } finally {
      await client.close();
    }
  });

  it('a lost pub/sub message: the periodic reconciliation catches up', async () => {
    const client = await MigrationCompatibleConfig.connect(
      options({ projectDir: undefined, store: undefined }),
    );
    const r = new Redis(REDIS_URL);
    try {
      const key = publicationKey(prefix, 'api', 'production');
      const now = decodePublication(await r.hgetall(key))!;
      // What a publisher would write, but its message never arrives: no PUBLISH.
      const moved: Publication = makePublication({
        ...withoutMeta(now),
        flagsVersion: now.flagsVersion + 1,
        flags: [{ key: '*', mode: 'legacy_only', percentBp: 0 }],
      });
      await r.hset(key, encodePublication(moved));
      await until(() => client.flags().flagsVersion === moved.flagsVersion);
      expect(await client.get('database.pool.max')).toBe(12);
    } finally {
      r.disconnect();
      await client.close();
      // Put the store's own publication back for the tests after this one.
      expect((await cli('publish')).code).toBe(0);
    }
  });
});

function withoutMeta(p: Publication): Omit<Publication, 'formatVersion' | 'etag'> {
  const { formatVersion: _f, etag: _e, ...rest } = p;
  return rest;
}

/** Polls `cond` until it holds (the test's own timeout bounds it). */
async function until(cond: () => boolean | Promise<boolean>): Promise<void> {
  while (!(await cond())) await new Promise((r) => setTimeout(r, 25));
}
