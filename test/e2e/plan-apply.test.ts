/**
 * The migration end to end through the built CLI, on the embedded store and on PostgreSQL:
 * extract → plan → apply for every service of fixtures/platform; a second plan has nothing
 * to do; one edited value in a .env gives a plan with exactly that change; the older plan is
 * then refused naming the key; marker secrets planted in the sources never appear in plans,
 * output or published snapshots, yet decrypt from the store.
 */
import { randomBytes } from 'node:crypto';
import { cp, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readCredentials } from '../../src/adapters/store/credentials.js';
import { listFlags } from '../../src/adapters/store/flags.js';
import { listMigrations } from '../../src/adapters/store/migration-records.js';
import { verifyAudit } from '../../src/adapters/store/audit.js';
import { openStore } from '../../src/adapters/store/open.js';
import { keyring } from '../../src/core/crypto/keyring.js';
import { replaceValues } from '../support/plant.js';
import { cleanEnv, copyFixture, REPO, runCli, type CliRun } from '../support/cli.js';
import { storeBackends, useStores } from '../support/stores.js';

const SERVICES = 11;

for (const backend of await storeBackends()) {
  (backend.available ? describe : describe.skip)(`plan and apply [${backend.name}]`, () => {
    const fresh = useStores(backend.name);

    it('migrates the sample platform, stays idempotent and refuses a stale plan', async () => {
      const store = await fresh({ migrated: true });
      const fixture = await copyFixture('platform');
      const dir = fixture.dir;
      try {
        await cp(join(REPO, 'rules'), join(dir, 'rules'), { recursive: true });
        const marker = {
          openai: `sk-marker${randomBytes(16).toString('hex')}`,
          exchange: `Mk${randomBytes(16).toString('hex')}`,
        };
        expect(await replaceValues(dir, 'OPENAI_API_KEY', marker.openai)).toBeGreaterThan(0);
        expect(await replaceValues(dir, 'EXCHANGE_API_SECRET', marker.exchange)).toBeGreaterThan(0);
        const master = randomBytes(32);
        const env = cleanEnv({ ...store.env, CFGMIG_MASTER_KEY: master.toString('base64') });
        const runs: CliRun[] = [];
        const cli = async (...args: string[]) => {
          const r = await runCli([...args, '--project', dir], { env });
          runs.push(r);
          return r;
        };

        const first = await cli('plan', '--all', '--detailed-exitcode');
        expect(first.stderr).toBe('');
        expect(first.code).toBe(10);
        const plans = (await readdir(join(dir, 'plans'))).sort();
        expect(plans).toHaveLength(SERVICES);
        expect(first.stdout).toMatch(
          /^Plan: \d+ to add, 0 to change, 0 to remove, 0 unchanged \(11 services\)\.$/m,
        );

        const protectedWithoutYes = await cli('apply', ...plans.map((p) => join(dir, 'plans', p)));
        expect(protectedWithoutYes.code).toBe(2);
        expect(protectedWithoutYes.stderr).toMatch(/production is protected/);

        const applied = await cli('apply', '--yes', ...plans.map((p) => join(dir, 'plans', p)));
        expect(applied.stderr).toBe('');
        expect(applied.code).toBe(0);
        expect(applied.stdout.match(/: applied as version 1 /g)).toHaveLength(SERVICES);

        const again = await cli('plan', '--all', '--detailed-exitcode');
        expect(again.code).toBe(0);
        expect(again.stdout).toMatch(/Plan: 0 to add, 0 to change, 0 to remove, \d+ unchanged/);
        const twice = await cli('apply', '--yes', join(dir, 'plans', plans[0]!));
        expect(twice.code).toBe(0);
        expect(twice.stdout).toMatch(/already up to date at version 1, nothing written/);

        // One edited value in a .env: a plan with exactly that change.
        const older = await readFile(join(dir, 'plans/trading-engine.production.plan.yaml'), 'utf8');
        await writeFile(join(dir, 'older.plan.yaml'), older);
        const envFile = join(dir, 'services/trading-engine/.env');
        const text = await readFile(envFile, 'utf8');
        const days = Number(/^SECRET_ROTATION_DAYS=(\d+)$/m.exec(text)![1]);
        await writeFile(
          envFile,
          text.replace(/^SECRET_ROTATION_DAYS=\d+$/m, `SECRET_ROTATION_DAYS=${days + 1}`),
        );
        const edited = await cli('plan', '--service', 'trading-engine', '--detailed-exitcode', '--json');
        expect(edited.code).toBe(10);
        const doc = JSON.parse(edited.stdout).plans[0];
        const moved = doc.changes.filter((c: { op: string }) => c.op !== 'unchanged');
        expect(moved).toEqual([
          expect.objectContaining({
            op: 'set',
            value: days + 1,
            previous: days,
            source: expect.objectContaining({ name: 'SECRET_ROTATION_DAYS' }),
          }),
        ]);

        const stale = await cli('apply', '--yes', join(dir, 'older.plan.yaml'));
        expect(stale.code).toBe(3);
        expect(stale.stderr).toContain(`planned ${days}, now ${days + 1}`);
        expect(stale.stderr).toContain('is stale, nothing was written');

        // The fresh plan applies as version 2; history and diff show what apply wrote.
        const second = await cli('apply', '--yes', join(dir, 'plans/trading-engine.production.plan.yaml'));
        expect(second.code).toBe(0);
        expect(second.stdout).toContain('trading-engine/production: applied as version 2');
        const history = await cli('history', '--service', 'trading-engine', '--json');
        const versions = JSON.parse(history.stdout).environments[0].versions;
        expect(versions.map((v: { version: number }) => v.version)).toEqual([1, 2]);
        expect(versions[1].reason).toMatch(/^cfgmig apply trading-engine\.production\./);
        expect(versions[1].migrationId).toBe(versions[1].reason.slice('cfgmig apply '.length));
        const diff = await cli(
          'diff',
          '--service',
          'trading-engine',
          '--env',
          'production',
          '--from',
          '1',
          '--json',
        );
        expect(
          JSON.parse(diff.stdout).changes.filter((c: { change: string }) => c.change !== 'unchanged'),
        ).toEqual([
          { key: 'security.secretRotationDays', kind: 'config', change: 'changed', from: days, to: days + 1 },
        ]);

        // Nothing secret anywhere it was written or printed; but the store has it.
        const written = [
          ...(await Promise.all(plans.map((p) => readFile(join(dir, 'plans', p), 'utf8')))),
          ...(await Promise.all(
            (await readdir(join(dir, '.cfgmig/published/production'))).map((p) =>
              readFile(join(dir, '.cfgmig/published/production', p), 'utf8'),
            ),
          )),
          ...runs.flatMap((r) => [r.stdout, r.stderr]),
        ].join('\n');
        for (const m of Object.values(marker)) expect(written).not.toContain(m);

        // The embedded store lives in the project the CLI ran on; PostgreSQL is the fresh database.
        const db = await openStore(dir, store.env);
        try {
          const keys = keyring(master);
          const ai = await readCredentials(
            db,
            keys,
            { service: 'ai-orchestration', environment: 'production' },
            'test',
          );
          expect(ai.find((c) => c.key === 'ai.providers.openai.apiKey')?.value).toBe(marker.openai);
          const te = await readCredentials(
            db,
            keys,
            { service: 'trading-engine', environment: 'production' },
            'test',
          );
          expect(te.map((c) => c.value)).toContain(marker.exchange);
          expect(await listMigrations(db)).toHaveLength(SERVICES + 1); // and the second trading-engine apply
          const flags = await listFlags(db, { environment: 'production' });
          expect(flags).toHaveLength(SERVICES);
          expect(new Set(flags.map((f) => f.mode))).toEqual(new Set(['legacy_only']));
          expect(await verifyAudit(db)).toMatchObject({ brokenId: null, tail: null });
        } finally {
          await db.close();
        }
      } finally {
        await fixture.cleanup();
      }
    }, 240_000);
  });
}
