/**
 * Configuration versions and environments: the same expectations on the embedded store and
 * on PostgreSQL, including writers racing for the same version.
 */
import { describe, expect, it } from 'vitest';
import { currentVersion, history, readVersion, writeVersion } from '../../src/adapters/store/configs.js';
import type { Db } from '../../src/adapters/store/db.js';
import {
  defineEnvironment,
  effectiveConfig,
  listEnvironments,
} from '../../src/adapters/store/environments.js';
import { checksumOf } from '../../src/core/store/canonical.js';
import { storeBackends, useStores, type FreshStore } from '../support/stores.js';
import { rejection } from '../support/errors.js';

const write = (db: Db, expectedVersion: number, data: object, author = 'alice', environment = 'production') =>
  writeVersion(db, {
    service: 'api',
    environment,
    expectedVersion,
    data: data as never,
    author,
    reason: 'test',
  });

for (const backend of await storeBackends()) {
  (backend.available ? describe : describe.skip)(`configuration versions [${backend.name}]`, () => {
    const fresh = useStores(backend.name);

    const withDb = <T>(store: FreshStore, fn: (db: Db) => Promise<T>): Promise<T> => store.use(fn);

    it('writes, reads current and given versions, and lists the history', async () => {
      await withDb(await fresh({ migrated: true }), async (db) => {
        expect(await currentVersion(db, 'api', 'production')).toBe(0);
        expect(await readVersion(db, 'api', 'production')).toBeNull();
        expect(await write(db, 0, { db: { host: 'a', port: 5432 }, tags: ['x'] })).toBe(1);
        expect(
          await writeVersion(db, {
            service: 'api',
            environment: 'production',
            expectedVersion: 1,
            data: { db: { host: 'b' } },
            author: 'bob',
            reason: 'move db',
            migrationId: 'm-1',
          }),
        ).toBe(2);
        expect(await currentVersion(db, 'api', 'production')).toBe(2);
        expect(await readVersion(db, 'api', 'production')).toMatchObject({
          version: 2,
          author: 'bob',
          data: { db: { host: 'b' } },
        });
        const v1 = await readVersion(db, 'api', 'production', 1);
        expect(v1).toMatchObject({ version: 1, data: { db: { host: 'a', port: 5432 }, tags: ['x'] } });
        expect(v1!.checksum).toBe(checksumOf({ tags: ['x'], db: { port: 5432, host: 'a' } }));
        expect(await readVersion(db, 'api', 'production', 3)).toBeNull();
        const h = await history(db, 'api', 'production');
        expect(
          h.map(({ version, author, reason, migrationId }) => ({ version, author, reason, migrationId })),
        ).toEqual([
          { version: 1, author: 'alice', reason: 'test', migrationId: null },
          { version: 2, author: 'bob', reason: 'move db', migrationId: 'm-1' },
        ]);
        expect(h[0]!.createdAt).toBeInstanceOf(Date);
        expect(h[0]).not.toHaveProperty('data');
        // Another environment of the same service is a separate line of versions.
        expect(await currentVersion(db, 'api', 'staging')).toBe(0);
      });
    });

    it('refuses what the store cannot keep as written (NUL, NaN) with exit 2, writing nothing', async () => {
      await withDb(await fresh({ migrated: true }), async (db) => {
        const cases: [object, string][] = [
          [{ db: { host: 'a\u0000b' } }, 'configuration api/production: db.host contains a NUL character'],
          [{ list: [1, 'x\u0000'] }, 'list[1] contains a NUL character'],
          [{ 'k\u0000': 1 }, 'a key under the value contains a NUL character'],
          [{ ratio: Number.NaN }, 'ratio is NaN, which JSON cannot hold'],
          [{ n: Number.POSITIVE_INFINITY }, 'n is Infinity'],
        ];
        for (const [data, message] of cases) {
          const e = await rejection(write(db, 0, data));
          expect(e.exitCode).toBe(2);
          expect(e.message).toContain(message);
        }
        expect((await rejection(write(db, 0, { a: 1 }, 'al\u0000ice'))).message).toContain(
          'author contains a NUL',
        );
        expect(await currentVersion(db, 'api', 'production')).toBe(0);
      });
    });

    it('refuses a stale expected version with exit 3 naming who changed it', async () => {
      await withDb(await fresh({ migrated: true }), async (db) => {
        await write(db, 0, { a: 1 }, 'alice');
        await write(db, 1, { a: 2 }, 'bob');
        const err = await rejection(write(db, 1, { a: 3 }, 'carol'));
        expect(err.code).toBe('conflict');
        expect(err.exitCode).toBe(3);
        expect(err.message).toMatch(
          /^api\/production is at version 2, expected 1: changed by bob at \d{4}-\d\d-\d\dT[\d:.]+Z$/,
        );
        expect((await rejection(write(db, 5, { a: 3 }))).exitCode).toBe(3);
        expect((await rejection(write(db, 1, {}, 'x', 'staging'))).message).toBe(
          'api/staging has no version yet, expected 1',
        );
        expect(await currentVersion(db, 'api', 'production')).toBe(2);
      });
    });

    it('lets exactly one of two racing writers win', async () => {
      const store = await fresh({ migrated: true });
      // PostgreSQL: two separate connections pools, as two cfgmig processes would have.
      const a = await store.open();
      const b = backend.name === 'postgres' ? await store.open() : a;
      try {
        for (let round = 0; round < 5; round++) {
          const results = await Promise.allSettled([
            write(a, round, { round, by: 'a' }, 'alice'),
            write(b, round, { round, by: 'b' }, 'bob'),
          ]);
          const won = results.filter((r) => r.status === 'fulfilled');
          const lost = results.filter((r) => r.status === 'rejected');
          expect(won).toHaveLength(1);
          expect((lost[0] as PromiseRejectedResult).reason).toMatchObject({ code: 'conflict' });
        }
        expect(await currentVersion(a, 'api', 'production')).toBe(5);
      } finally {
        if (b !== a) await b.close();
        await a.close();
      }
    });

    if (backend.name === 'postgres') {
      it('maps the unique-constraint race to the same conflict', async () => {
        const store = await fresh({ migrated: true });
        const raw = await store.connect();
        const db = await store.open();
        try {
          // Another writer has inserted version 1 but not committed: our writer still sees
          // version 0, passes the check, and then waits on the unique index.
          let inserted!: () => void;
          let commit!: () => void;
          const insertedP = new Promise<void>((r) => (inserted = r));
          const commitP = new Promise<void>((r) => (commit = r));
          const holder = raw.transaction(async (tx) => {
            await tx.query(
              `INSERT INTO service_configurations (service, environment, version, data, checksum, author)
               VALUES ('api', 'production', 1, '{}', $1, 'dave')`,
              [checksumOf({})],
            );
            inserted();
            await commitP;
          });
          await insertedP;
          const writer = write(db, 0, { a: 1 }, 'erin');
          await new Promise((r) => setTimeout(r, 300));
          commit();
          await holder;
          const err = await rejection(writer);
          expect(err.exitCode).toBe(3);
          expect(err.message).toMatch(/^api\/production is at version 1, expected 0: changed by dave at /);
        } finally {
          await db.close();
          await raw.close();
        }
      });
    }

    it('detects tampered data on read without printing it', async () => {
      const store = await fresh({ migrated: true });
      await withDb(store, (db) => write(db, 0, { password_hint: 'MARKERcfg1' }));
      const raw = await store.connect();
      await raw.query(`UPDATE service_configurations SET data = '{"password_hint":"MARKERcfg2"}'`);
      await raw.close();
      await withDb(store, async (db) => {
        const err = await rejection(readVersion(db, 'api', 'production'));
        expect(err.code).toBe('failed');
        expect(err.exitCode).toBe(1);
        expect(err.message).toBe('configuration api/production version 1 is corrupt: checksum mismatch');
        expect(`${err.message} ${err.hint} ${err.stack}`).not.toMatch(/MARKERcfg/);
        // History needs no data, so it still works on a damaged store.
        expect(await history(db, 'api', 'production')).toHaveLength(1);
      });
    });
  });

  (backend.available ? describe : describe.skip)(`environments [${backend.name}]`, () => {
    const fresh = useStores(backend.name);

    it('merges the current versions along global → production: objects merged, arrays replaced', async () => {
      const db = await (await fresh({ migrated: true })).open();
      try {
        await defineEnvironment(db, 'global');
        await defineEnvironment(db, 'production', ['global']);
        await defineEnvironment(db, 'staging', ['global']);
        expect(await listEnvironments(db)).toEqual([
          { name: 'global', inherits: [] },
          { name: 'production', inherits: ['global'] },
          { name: 'staging', inherits: ['global'] },
        ]);
        await write(
          db,
          0,
          { db: { host: 'g', port: 5432 }, hosts: ['a', 'b'], debug: true },
          'alice',
          'global',
        );
        await write(
          db,
          1,
          { db: { host: 'g2', port: 5432 }, hosts: ['a', 'b'], debug: true },
          'alice',
          'global',
        );
        await write(db, 0, { db: { host: 'p' }, hosts: ['c'], debug: null }, 'alice', 'production');
        expect(await effectiveConfig(db, 'api', 'production')).toEqual({
          data: { db: { host: 'p', port: 5432 }, hosts: ['c'], debug: null },
          sources: [
            { environment: 'global', version: 2 },
            { environment: 'production', version: 1 },
          ],
        });
        // A level with no version is skipped.
        expect(await effectiveConfig(db, 'api', 'staging')).toMatchObject({
          data: { db: { host: 'g2' } },
          sources: [{ environment: 'global', version: 2 }],
        });
        expect(await effectiveConfig(db, 'web', 'production')).toEqual({ data: {}, sources: [] });
      } finally {
        await db.close();
      }
    });

    it('refuses cycles and unknown parents, changing nothing', async () => {
      const store = await fresh({ migrated: true });
      const db = await store.open();
      try {
        await defineEnvironment(db, 'global');
        await defineEnvironment(db, 'eu', ['global']);
        const cycle = await rejection(defineEnvironment(db, 'global', ['eu']));
        expect(cycle.exitCode).toBe(2);
        expect(cycle.message).toBe('environment inheritance cycle: global → eu → global');
        const unknown = await rejection(defineEnvironment(db, 'production', ['nowhere']));
        expect(unknown.message).toContain('unknown environment "nowhere"');
        expect(await listEnvironments(db)).toEqual([
          { name: 'eu', inherits: ['global'] },
          { name: 'global', inherits: [] },
        ]);
        // A cycle written behind cfgmig's back is still caught when reading.
        await db.query(`UPDATE environments SET inherits = '{eu}' WHERE name = 'global'`);
        const read = await rejection(effectiveConfig(db, 'api', 'eu'));
        expect(read.message).toBe('environment inheritance cycle: eu → global → eu');
      } finally {
        await db.close();
      }
    });
  });
}
