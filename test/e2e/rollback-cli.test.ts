/**
 * `cfgmig rollback` through the built CLI on both store backends, publishing to the real Redis
 * under a prefix of this run when it is reachable (else to snapshot files only):
 *
 * - two applies (a base version with other values, a credential among them), flags moved to
 *   new_with_fallback 50% and a key flag to new_only; the rollback puts every flag back to
 *   legacy_only, writes the base data as a third version, publishes it (snapshot and Redis),
 *   marks the migration rolled_back, audits each step, and a running client (cfgmig/client)
 *   goes back to its legacy values; a second rollback says "already rolled back", exit 0;
 * - a restart command that fails, or outlives --restart-timeout, is reported and the rollback
 *   still succeeds;
 * - a canary run whose lease someone else holds: exit 3, nothing changed; once free, the
 *   rollback takes the run over and marks it rolled_back;
 * - marker secrets planted in the sources never appear in any output.
 */
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { MigrationCompatibleConfig } from '../../src/client/index.js';
import {
  acquireLease,
  createCanaryRun,
  getCanaryRun,
  releaseLease,
  updateCanaryRun,
} from '../../src/adapters/store/canary-runs.js';
import { readVersion } from '../../src/adapters/store/configs.js';
import { getMigration, listMigrations } from '../../src/adapters/store/migration-records.js';
import { openStore } from '../../src/adapters/store/open.js';
import type { Publication } from '../../src/core/publish/publication.js';
import { decodePublication, publicationKey } from '../../src/core/publish/redis-layout.js';
import { cleanEnv, runCli, type CliRun, flagsSet } from '../support/cli.js';
import { makeProject } from '../support/project.js';
import { dropPrefix, freshPrefix, REDIS_URL, redisAvailable } from '../support/redis.js';
import { storeBackends, useStores, type FreshStore } from '../support/stores.js';

const redisUp = await redisAvailable();
const MASTER_KEY = randomBytes(32).toString('base64');
const MARKERS = [1, 2, 3].map((i) => `cfgmigMarker${i}${randomBytes(6).toString('hex')}`);

const RULES = [
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
].join('\n');

const compose = (pool: number, password: string, host = 'db.internal') =>
  [
    'services:',
    '  api:',
    '    image: api',
    '    environment:',
    '      SERVICE_PORT: "8080"',
    `      POOL_MAX: "${pool}"`,
    `      DATABASE_URL: "postgres://app:${password}@${host}:5432/orders"`,
    '',
  ].join('\n');

const projectFile = (restart: string) =>
  `version: 1\nservices:\n  api:\n    restart: ${JSON.stringify(restart)}\n`;

/** What the service's own environment says: the legacy values. */
const LEGACY = {
  SERVICE_PORT: '8080',
  POOL_MAX: '12',
  DATABASE_URL: 'postgres://app:legacy-pw@old-db:5432/orders',
};

async function until(cond: () => boolean | Promise<boolean>, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

for (const backend of await storeBackends()) {
  (backend.available ? describe : describe.skip)(`cfgmig rollback [${backend.name}]`, () => {
    const fresh = useStores(backend.name);
    const prefixes: string[] = [];
    const runs: CliRun[] = [];
    afterAll(async () => {
      if (redisUp) for (const p of prefixes) await dropPrefix(p);
    });

    /** A project on a fresh store, applied twice: v1 (pool 20) and v2 (pool 30, another password). */
    async function setup(restart: string) {
      const store: FreshStore = await fresh({ migrated: true });
      const p = await makeProject({
        'docker-compose.yml': compose(20, MARKERS[0]!),
        'cfgmig.yaml': projectFile(restart),
        'rules/api.yaml': RULES,
      });
      const prefix = freshPrefix();
      prefixes.push(prefix);
      const env = cleanEnv({
        ...store.env,
        CFGMIG_MASTER_KEY: MASTER_KEY,
        ...(redisUp ? { CFGMIG_REDIS_URL: REDIS_URL, CFGMIG_REDIS_PREFIX: prefix } : {}),
      });
      const cli = async (...args: string[]) => {
        const r = await runCli([...args, '--project', p.dir], { env });
        runs.push(r);
        return r;
      };
      const apply = async (pool: number, password: string, host?: string) => {
        await writeFile(join(p.dir, 'docker-compose.yml'), compose(pool, password, host));
        const r = await cli('apply', '--all', '--yes');
        expect(r.stderr).toBe('');
        expect(r.code).toBe(0);
      };
      await apply(20, MARKERS[0]!);
      await apply(30, MARKERS[1]!);
      const setFlag = async (mode: string, ...more: string[]) => {
        const r = await cli(...flagsSet('api', 'production', mode, 'canary', ...more));
        expect(r.stderr).toBe('');
        expect(r.code).toBe(0);
      };
      await setFlag('new_with_fallback', '--percent', '50');
      await setFlag('new_only', '--key', 'database.pool.max');
      const use = async <T>(fn: (db: Awaited<ReturnType<typeof openStore>>) => Promise<T>): Promise<T> => {
        const db = await openStore(p.dir, store.env);
        try {
          return await fn(db);
        } finally {
          await db.close();
        }
      };
      return { store, p, prefix, env, cli, apply, setFlag, use };
    }

    it('switches to legacy, reverts the configuration as a new version, publishes, verifies; twice is safe', async () => {
      const s = await setup('echo restarted-$CFGMIG_SERVICE >> restart.log');
      const client = await MigrationCompatibleConfig.connect({
        service: 'api',
        environment: 'production',
        projectDir: s.p.dir,
        ...(redisUp ? { redis: { url: REDIS_URL, prefix: s.prefix } } : {}),
        legacy: LEGACY,
        masterKey: MASTER_KEY,
        reconcileIntervalMs: 500,
      });
      try {
        await until(() => client.flags().keys.some((k) => k.mode === 'new_only'));
        expect(await client.get('database.pool.max')).toBe(30);
        const [migration] = await s.use((db) => listMigrations(db, { service: 'api' }));

        const r = await s.cli('rollback', '--service', 'api', '--reason', 'error rate up');
        expect(r.stderr).toBe('');
        expect(r.code).toBe(0);
        expect(r.stdout).toContain(`rollback of ${migration!.id} (api/production): error rate up`);
        expect(r.stdout).toMatch(
          /✓ switch-to-legacy\s+2 flags → legacy_only; published \.cfgmig\/published\/production\/api\.json/,
        );
        expect(r.stdout).toMatch(/✓ revert-config\s+v3 written with the data of v1/);
        expect(r.stdout).toMatch(/✓ clear-caches\s+published/);
        expect(r.stdout).toMatch(/✓ restart\s+exit 0 after \d+ ms/);
        expect(r.stdout).toMatch(/✓ store flags: 2 flags legacy_only/);
        expect(r.stdout).toMatch(/✓ store configuration: v3 holds the data of v1/);
        expect(r.stdout).toMatch(/✓ snapshot: .*matches the store/);
        if (redisUp) expect(r.stdout).toMatch(/✓ redis: .*matches the store/);
        expect(r.stdout).toMatch(
          new RegExp(`api/production: rolled back migration ${migration!.id} in \\d+ ms\\n$`),
        );
        expect(await readFile(join(s.p.dir, 'restart.log'), 'utf8')).toBe('restarted-api\n');

        // The client is back on the legacy values: its own environment.
        await until(() => client.flags().keys.every((k) => k.mode === 'legacy_only'));
        expect(client.flags().default.mode).toBe('legacy_only');
        expect(await client.get('database.pool.max')).toBe(12);
        expect(await client.get('database.host')).toBe('old-db');
        expect(await client.get('database.password')).toBe('legacy-pw');

        const flags = JSON.parse((await s.cli('flags', 'show', '--json')).stdout).flags;
        expect(flags.map((f: { key: string; mode: string }) => [f.key, f.mode])).toEqual([
          ['*', 'legacy_only'],
          ['database.pool.max', 'legacy_only'],
        ]);
        const history = JSON.parse((await s.cli('history', '--service', 'api', '--json')).stdout);
        const versions = history.environments[0].versions;
        expect(versions.map((v: { version: number }) => v.version)).toEqual([1, 2, 3]);
        expect(versions[2].reason).toBe(`rollback of ${migration!.id}: error rate up`);
        expect(versions[2].checksum).toBe(versions[0].checksum);

        const snapshot: Publication = JSON.parse(
          await readFile(join(s.p.dir, '.cfgmig/published/production/api.json'), 'utf8'),
        );
        expect(snapshot.version).toBe(3);
        expect(snapshot.flags.every((f) => f.mode === 'legacy_only')).toBe(true);
        if (redisUp) {
          const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
          try {
            const hash = decodePublication(
              await redis.hgetall(publicationKey(s.prefix, 'api', 'production')),
            );
            expect(hash?.etag).toBe(snapshot.etag);
          } finally {
            redis.disconnect();
          }
        }

        await s.use(async (db) => {
          expect((await getMigration(db, migration!.id))?.status).toBe('rolled_back');
          const [v1, v3] = [
            await readVersion(db, 'api', 'production', 1),
            await readVersion(db, 'api', 'production', 3),
          ];
          // The credential reference is v1's: the secret reverted with the settings.
          expect(v3!.data).toEqual(v1!.data);
          const steps = await db.query<{ details: Record<string, unknown> }>(
            "SELECT details FROM audit_log WHERE action = 'rollback.step' ORDER BY id",
          );
          expect(steps.map((a) => [a.details.action, a.details.ok, a.details.migration])).toEqual([
            ['switch-to-legacy', true, migration!.id],
            ['revert-config', true, migration!.id],
            ['clear-caches', true, migration!.id],
            ['restart', true, migration!.id],
          ]);
          const moves = await db.query<{ details: { from: string; to: string } }>(
            "SELECT details FROM audit_log WHERE action = 'migration.status' ORDER BY id",
          );
          expect(moves.map((a) => `${a.details.from}→${a.details.to}`)).toEqual([
            'applied→rolling_back',
            'rolling_back→rolled_back',
          ]);
        });

        // Twice is safe: already rolled back, published again, verified.
        const again = await s.cli('rollback', '--service', 'api', '--json');
        expect(again.code).toBe(0);
        const out = JSON.parse(again.stdout);
        expect(out).toMatchObject({
          formatVersion: 1,
          migrationId: migration!.id,
          status: 'already_rolled_back',
          verification: { ok: true },
        });
        const human = await s.cli('rollback', '--service', 'api');
        expect(human.code).toBe(0);
        expect(human.stdout).toContain(`migration ${migration!.id} was already rolled back`);
        expect(
          JSON.parse((await s.cli('history', '--service', 'api', '--json')).stdout).environments[0].versions,
        ).toHaveLength(3);
        expect(await readFile(join(s.p.dir, 'restart.log'), 'utf8')).toBe('restarted-api\n');

        // The credential reverted with the settings: on the store, the client reads v1's secret.
        await s.setFlag('new_only');
        await until(() => client.flags().default.mode === 'new_only');
        expect(await client.get('database.password')).toBe(MARKERS[0]);
        expect(await client.get('database.host')).toBe('db.internal');
        // The key flag the rollback set to legacy_only still overrides the service's.
        expect(await client.get('database.pool.max')).toBe(12);
      } finally {
        await client.close();
        await s.p.cleanup();
      }
    }, 180_000);

    it('a restart that fails or outlives --restart-timeout is reported; the rollback still succeeds', async () => {
      const s = await setup('exit 3');
      try {
        const r = await s.cli('rollback', '-s', 'api', '--reason', 'bad');
        expect(r.code).toBe(0);
        expect(r.stdout).toMatch(/✗ restart\s+exit 3 after \d+ ms \(not critical: the rest went on\)/);
        expect(r.stdout).toMatch(/rolled back migration .* in \d+ ms; 1 non-critical step failed/);

        // A third apply that records a restart which sleeps (and prints: never shown).
        await writeFile(join(s.p.dir, 'cfgmig.yaml'), projectFile(`echo ${MARKERS[2]}; sleep 5`));
        await s.apply(40, MARKERS[1]!, 'db2.internal');
        await s.setFlag('new_with_fallback', '--percent', '100');
        const t0 = Date.now();
        const slow = await s.cli(
          'rollback',
          '-s',
          'api',
          '--reason',
          'slow',
          '--restart-timeout',
          '200ms',
          '--json',
        );
        expect(Date.now() - t0).toBeLessThan(4500);
        expect(slow.code).toBe(0);
        const out = JSON.parse(slow.stdout);
        expect(out.status).toBe('rolled_back');
        expect(out.steps.at(-1)).toMatchObject({ action: 'restart', critical: false, ok: false });
        expect(out.steps.at(-1).detail).toMatch(/timed out after \d+ ms \(limit 200 ms\)/);
        expect(out.steps.find((x: { action: string }) => x.action === 'revert-config').detail).toMatch(
          /v5 written with the data of v3/,
        );
        const bad = await s.cli('rollback', '-s', 'api', '--restart-timeout', 'soon');
        expect(bad.code).toBe(2);
        expect(bad.stderr).toMatch(/--restart-timeout: "soon" is not a duration/);
      } finally {
        await s.p.cleanup();
      }
    }, 180_000);

    it('refuses (exit 3) while a canary run holds a live lease, and takes the run over once it is free', async () => {
      const s = await setup('true');
      try {
        const [migration] = await s.use((db) => listMigrations(db, { service: 'api' }));
        const runId = await s.use(async (db) => {
          const run = await db.transaction((tx) =>
            createCanaryRun(tx, { migrationId: migration!.id, schedule: [5000, 10000] }, 'test'),
          );
          await acquireLease(db, run.id, 'canary-runner@host-7', 600_000);
          await db.transaction((tx) =>
            updateCanaryRun(tx, run.id, 'canary-runner@host-7', { state: 'running' }),
          );
          return run.id;
        });
        const before = await readFile(join(s.p.dir, '.cfgmig/published/production/api.json'), 'utf8');
        const r = await s.cli('rollback', '-s', 'api');
        expect(r.code).toBe(3);
        expect(r.stderr).toMatch(/canary run \d+ of .* is running and driven by canary-runner@host-7 until/);
        expect(r.stderr).toContain('cfgmig canary --abort');
        expect(await readFile(join(s.p.dir, '.cfgmig/published/production/api.json'), 'utf8')).toBe(before);
        await s.use(async (db) => {
          expect((await getMigration(db, migration!.id))?.status).toBe('applied');
          await releaseLease(db, runId, 'canary-runner@host-7');
        });

        const ok = await s.cli('rollback', '-s', 'api', '--json');
        expect(ok.code).toBe(0);
        expect(JSON.parse(ok.stdout)).toMatchObject({ status: 'rolled_back', canaryRun: runId });
        await s.use(async (db) => {
          const run = await getCanaryRun(db, runId);
          expect(run).toMatchObject({ state: 'rolled_back', leaseOwner: null });
        });
        const noMigration = await s.cli('rollback', '-s', 'nope');
        expect(noMigration.code).toBe(2);
        expect(noMigration.stderr).toMatch(/nope\/production has no migration to roll back/);
      } finally {
        await s.p.cleanup();
      }
    }, 180_000);

    it('a failed critical step stops the rollback (exit 1, migration failed); run again, it completes', async () => {
      const s = await setup('true');
      try {
        const [migration] = await s.use((db) => listMigrations(db, { service: 'api' }));
        const setTarget = (v: number) =>
          s.use((db) =>
            db.query(
              `UPDATE migrations SET rollback_plan = jsonb_set(rollback_plan, '{steps,1,toVersion}', $2::jsonb) WHERE id = $1`,
              [migration!.id, JSON.stringify(v)],
            ),
          );
        await setTarget(99);
        const r = await s.cli('rollback', '-s', 'api', '--reason', 'first try');
        expect(r.code).toBe(1);
        expect(r.stdout).toMatch(/✓ switch-to-legacy\s+2 flags → legacy_only/);
        expect(r.stdout).toMatch(/✗ revert-config\s+api\/production has no version 99 to revert to/);
        expect(r.stdout).toMatch(/– clear-caches\s+skipped: not run: a critical step failed/);
        expect(r.stdout).toMatch(/– restart\s+skipped: not run/);
        expect(r.stdout).toMatch(/✓ store flags: 2 flags legacy_only/);
        expect(r.stdout).toMatch(/✗ store configuration: could not be checked/);
        expect(r.stdout).toMatch(/rollback FAILED at revert-config; migration .* is marked failed/);
        await s.use(async (db) => expect((await getMigration(db, migration!.id))?.status).toBe('failed'));
        const snapshot: Publication = JSON.parse(
          await readFile(join(s.p.dir, '.cfgmig/published/production/api.json'), 'utf8'),
        );
        expect(snapshot.flags.every((f) => f.mode === 'legacy_only')).toBe(true);

        await setTarget(1);
        const again = await s.cli('rollback', '-s', 'api', '--reason', 'second try');
        expect(again.code).toBe(0);
        expect(again.stdout).toMatch(/✓ switch-to-legacy\s+0 flags → legacy_only/);
        expect(again.stdout).toMatch(/✓ revert-config\s+v3 written with the data of v1/);
        await s.use(async (db) => {
          expect((await getMigration(db, migration!.id))?.status).toBe('rolled_back');
          const moves = await db.query<{ details: { from: string; to: string } }>(
            "SELECT details FROM audit_log WHERE action = 'migration.status' ORDER BY id",
          );
          expect(moves.map((a) => `${a.details.from}→${a.details.to}`)).toEqual([
            'applied→rolling_back',
            'rolling_back→failed',
            'failed→rolling_back',
            'rolling_back→rolled_back',
          ]);
          const steps = await db.query<{ details: { action: string; ok: boolean; reason: string } }>(
            "SELECT details FROM audit_log WHERE action = 'rollback.step' ORDER BY id",
          );
          expect(steps.map((a) => [a.details.action, a.details.ok, a.details.reason])).toEqual([
            ['switch-to-legacy', true, 'first try'],
            ['revert-config', false, 'first try'],
            ['switch-to-legacy', true, 'second try'],
            ['revert-config', true, 'second try'],
            ['clear-caches', true, 'second try'],
            ['restart', true, 'second try'],
          ]);
        });
      } finally {
        await s.p.cleanup();
      }
    }, 180_000);

    it('never prints a marker secret', async () => {
      expect(runs.length).toBeGreaterThan(10);
      const all = runs.map((r) => r.stdout + r.stderr).join('\n');
      for (const m of MARKERS) expect(all).not.toContain(m);
    });
  });
}
