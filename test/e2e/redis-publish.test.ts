/**
 * Publication to Redis through the built CLI, against the real Redis under a key prefix of the
 * run's own, on both store backends: `apply` writes a hash that decodes to exactly the snapshot
 * file, lists it in the index and `flags set` sends a message; marker secrets planted in the
 * sources appear nowhere in Redis or in the snapshots, while their encrypted forms do (and
 * decrypt with the master key); `cfgmig publish` restores what Redis lost and fails clearly
 * (exit 1, no password) when Redis is down; `apply` with Redis down still succeeds and warns.
 */
import { randomBytes } from 'node:crypto';
import { cp, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { readVersion } from '../../src/adapters/store/configs.js';
import { openStore } from '../../src/adapters/store/open.js';
import { unseal } from '../../src/core/crypto/envelope.js';
import type { Publication } from '../../src/core/publish/publication.js';
import {
  changesChannel,
  decodePublication,
  indexKey,
  parseChangeMessage,
  publicationKey,
  type ChangeMessage,
} from '../../src/core/publish/redis-layout.js';
import { replaceValues } from '../support/plant.js';
import { cleanEnv, copyFixture, REPO, runCli, type CliRun, flagsSet } from '../support/cli.js';
import { makeProject } from '../support/project.js';
import { dropPrefix, dumpPrefix, freshPrefix, REDIS_URL, redisAvailable } from '../support/redis.js';
import { storeBackends, useStores, type FreshStore } from '../support/stores.js';

const redisUp = await redisAvailable();
const SERVICES = ['trading-engine', 'ai-orchestration'];
const DOWN_URL = 'redis://:s3cretMARKER@127.0.0.1:1';

async function readTree(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) out.push(await readFile(join(e.parentPath, e.name), 'utf8'));
  }
  return out;
}

for (const backend of await storeBackends()) {
  describe.skipIf(!redisUp || !backend.available)(`publication to Redis [${backend.name}]`, () => {
    const fresh = useStores(backend.name);
    const prefix = freshPrefix();
    const master = randomBytes(32);
    const marker = {
      openai: `sk-marker${randomBytes(16).toString('hex')}`,
      exchange: `Mk${randomBytes(16).toString('hex')}`,
    };
    const runs: CliRun[] = [];
    let redis: Redis;
    let store: FreshStore;
    let dir: string;
    let cleanup: () => Promise<void> = async () => undefined;
    let env: Record<string, string>;

    const cli = async (args: string[], extra: Record<string, string> = {}) => {
      const r = await runCli([...args, '--project', dir], { env: { ...env, ...extra } });
      runs.push(r);
      return r;
    };
    const snapshot = async (service: string): Promise<Publication> =>
      JSON.parse(await readFile(join(dir, '.cfgmig/published/production', `${service}.json`), 'utf8'));
    const inRedis = async (service: string): Promise<Publication | null> =>
      decodePublication(await redis.hgetall(publicationKey(prefix, service, 'production')));

    beforeAll(async () => {
      redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
      store = await fresh({ migrated: true });
      const fixture = await copyFixture('platform');
      dir = fixture.dir;
      cleanup = fixture.cleanup;
      await cp(join(REPO, 'rules'), join(dir, 'rules'), { recursive: true });
      expect(await replaceValues(dir, 'OPENAI_API_KEY', marker.openai)).toBeGreaterThan(0);
      expect(await replaceValues(dir, 'EXCHANGE_API_SECRET', marker.exchange)).toBeGreaterThan(0);
      env = cleanEnv({
        ...store.env,
        CFGMIG_MASTER_KEY: master.toString('base64'),
        CFGMIG_REDIS_URL: REDIS_URL,
        CFGMIG_REDIS_PREFIX: prefix,
      });
    }, 60_000);

    afterAll(async () => {
      redis?.disconnect();
      await dropPrefix(prefix);
      await cleanup();
    });

    it('apply publishes a hash equal to the snapshot, indexed; flags set sends a message', async () => {
      const applied = await cli(['apply', '--service', SERVICES.join(','), '--yes']);
      expect(applied.stderr).toBe('');
      expect(applied.code).toBe(0);
      expect(applied.stdout.match(/: applied as version 1 .*; Redis published$/gm)).toHaveLength(2);
      for (const service of SERVICES) {
        const file = await snapshot(service);
        expect(await inRedis(service)).toEqual(file);
        expect(file.version).toBe(1);
      }
      expect((await redis.smembers(indexKey(prefix))).sort()).toEqual(
        SERVICES.map((s) => `production:${s}`).sort(),
      );

      // Applying again changes nothing, so Redis is not written again.
      const again = await cli(['apply', '--service', 'trading-engine', '--yes', '--json']);
      expect(again.code).toBe(0);
      expect(JSON.parse(again.stdout).outcomes[0]).toMatchObject({ status: 'unchanged' });

      const sub = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
      try {
        const messages: ChangeMessage[] = [];
        sub.on('message', (_channel: string, text: string) => {
          const m = parseChangeMessage(text);
          if (m) messages.push(m);
        });
        await sub.subscribe(changesChannel(prefix));
        const set = await cli([
          ...flagsSet('trading-engine', 'production', 'new_with_fallback', 'canary 5%', '--percent', '5'),
          '--json',
        ]);
        expect(set.stderr).toBe('');
        expect(set.code).toBe(0);
        expect(JSON.parse(set.stdout)).toMatchObject({ redis: 'published' });
        const file = await snapshot('trading-engine');
        await vi.waitFor(() => expect(messages).toHaveLength(1), { timeout: 5000, interval: 20 });
        expect(messages[0]).toEqual({
          formatVersion: 1,
          service: 'trading-engine',
          environment: 'production',
          version: 1,
          flagsVersion: file.flagsVersion,
          etag: file.etag,
        });
        expect(file.flags).toEqual([{ key: '*', mode: 'new_with_fallback', percentBp: 500 }]);
        expect(await inRedis('trading-engine')).toEqual(file);
      } finally {
        sub.disconnect();
      }
    }, 120_000);

    it('holds credentials only encrypted, in Redis and in the snapshots', async () => {
      const dump = await dumpPrefix(prefix);
      const files = (await readTree(join(dir, '.cfgmig/published'))).join('\n');
      const printed = runs.flatMap((r) => [r.stdout, r.stderr]).join('\n');
      expect(dump).toContain('"ciphertext"');
      for (const m of Object.values(marker)) {
        expect(dump).not.toContain(m);
        expect(files).not.toContain(m);
        expect(printed).not.toContain(m);
      }
      // The encrypted forms are there, and open with the master key to the planted values.
      const found: string[] = [];
      for (const service of SERVICES) {
        const p = (await inRedis(service))!;
        expect(Object.keys(p.credentials).length).toBeGreaterThan(0);
        for (const [id, c] of Object.entries(p.credentials)) {
          const [environment, key, version] = JSON.parse(id) as [string, string, number];
          const b = (s: string) => Buffer.from(s, 'base64');
          found.push(
            unseal(
              master,
              { service, environment, key, version },
              {
                ciphertext: b(c.ciphertext),
                iv: b(c.iv),
                tag: b(c.tag),
                wrappedKey: b(c.wrappedKey),
                keyId: c.keyId,
              },
            ),
          );
        }
      }
      expect(found).toEqual(expect.arrayContaining([marker.openai, marker.exchange]));
    }, 60_000);

    it('cfgmig publish restores what Redis lost, and fails clearly when Redis is down', async () => {
      const before = await Promise.all(SERVICES.map(snapshot));
      await dropPrefix(prefix);
      expect(await redis.exists(publicationKey(prefix, 'trading-engine', 'production'))).toBe(0);

      const restored = await cli(['publish']);
      expect(restored.stderr).toBe('');
      expect(restored.code).toBe(0);
      expect(restored.stdout).toMatch(/^trading-engine\/production: snapshot unchanged; Redis published$/m);
      expect(restored.stdout).toMatch(/Redis: 2 published\.$/m);
      expect(await Promise.all(SERVICES.map(inRedis))).toEqual(before);
      expect((await redis.smembers(indexKey(prefix))).sort()).toEqual(
        SERVICES.map((s) => `production:${s}`).sort(),
      );

      const unchanged = await cli(['publish', '--service', 'ai-orchestration', '--json']);
      expect(unchanged.code).toBe(0);
      expect(JSON.parse(unchanged.stdout).published).toEqual([
        {
          service: 'ai-orchestration',
          environment: 'production',
          path: '.cfgmig/published/production/ai-orchestration.json',
          written: false,
          redis: 'unchanged',
        },
      ]);

      const down = await cli(['publish'], { CFGMIG_REDIS_URL: DOWN_URL });
      expect(down.code).toBe(1);
      expect(down.stdout).toContain('Redis at redis://127.0.0.1:1 is unreachable');
      expect(down.stderr).toMatch(/Redis publication failed for 2 of 2/);
      expect(down.stdout + down.stderr).not.toContain('s3cretMARKER');

      const none = await cli(['publish', '--service', 'no-such-service']);
      expect(none.code).toBe(0);
      expect(none.stdout).toMatch(/^nothing to publish/);
    }, 60_000);

    it('apply with Redis down still writes the store and the snapshot, and warns', async () => {
      const own = await fresh();
      const p = await makeProject({
        'docker-compose.yml':
          'services:\n  api:\n    image: api\n    environment:\n      SERVICE_PORT: "8080"\n',
        'rules/net.yaml':
          "name: net\nappliesTo: ['*']\nmap:\n  - from: SERVICE_PORT\n    to: service.port\n    type: integer\n",
      });
      try {
        const r = await runCli(['apply', '--all', '--yes', '--project', p.dir], {
          env: cleanEnv({
            ...own.env,
            CFGMIG_MASTER_KEY: master.toString('base64'),
            CFGMIG_REDIS_URL: DOWN_URL,
            CFGMIG_REDIS_PREFIX: prefix,
          }),
        });
        expect(r.code).toBe(0);
        expect(r.stdout).toMatch(/^api\/production: applied as version 1 .*; Redis failed$/m);
        expect(r.stderr).toMatch(
          /^warning: Redis publication failed for api\/production: Redis at redis:\/\/127\.0\.0\.1:1 is unreachable: .*run `cfgmig publish` once Redis is back$/m,
        );
        expect(r.stdout + r.stderr).not.toContain('s3cretMARKER');
        const file = JSON.parse(await readFile(join(p.dir, '.cfgmig/published/production/api.json'), 'utf8'));
        expect(file).toMatchObject({ service: 'api', version: 1, config: { service: { port: 8080 } } });
        const db = await openStore(p.dir, own.env);
        try {
          expect((await readVersion(db, 'api', 'production'))?.version).toBe(1);
        } finally {
          await db.close();
        }
        expect(await redis.exists(publicationKey(prefix, 'api', 'production'))).toBe(0);

        // Redis back: applying again writes nothing but catches Redis up.
        const again = await runCli(['apply', '--all', '--yes', '--project', p.dir], {
          env: cleanEnv({
            ...own.env,
            CFGMIG_MASTER_KEY: master.toString('base64'),
            CFGMIG_REDIS_URL: REDIS_URL,
            CFGMIG_REDIS_PREFIX: prefix,
          }),
        });
        expect(again.code).toBe(0);
        expect(again.stdout).toContain(
          'api/production: already up to date at version 1, nothing written; its publication was behind the store and was published again',
        );
        expect(await redis.exists(publicationKey(prefix, 'api', 'production'))).toBe(1);
      } finally {
        await p.cleanup();
      }
    }, 60_000);
  });
}
