/**
 * Writer locks: on PostgreSQL a second writer fails fast naming the holder; on both backends
 * the lock and its writer_locks row are gone after the holder finishes or throws.
 */
import { describe, expect, it } from 'vitest';
import type { Db } from '../../src/adapters/store/db.js';
import { withWriterLock } from '../../src/adapters/store/locks.js';
import { CfgmigError } from '../../src/errors.js';
import { storeBackends, useStores } from '../support/stores.js';

const lockRows = (db: Db) => db.query('SELECT * FROM writer_locks');

for (const backend of await storeBackends()) {
  (backend.available ? describe : describe.skip)(`writer locks [${backend.name}]`, () => {
    const fresh = useStores(backend.name);

    it('records the holder while fn runs and releases the lock after fn throws', async () => {
      const db = await (await fresh({ migrated: true })).open();
      try {
        const seen = await withWriterLock(db, 'api', 'production', 'alice@host', () => lockRows(db));
        expect(seen).toMatchObject([{ service: 'api', environment: 'production', holder: 'alice@host' }]);
        await expect(
          withWriterLock(db, 'api', 'production', 'alice@host', () => Promise.reject(new Error('boom'))),
        ).rejects.toThrow('boom');
        expect(await lockRows(db)).toEqual([]);
        expect(await withWriterLock(db, 'api', 'production', 'bob', () => Promise.resolve(42))).toBe(42);
      } finally {
        await db.close();
      }
    });

    if (backend.name === 'postgres') {
      it('makes a second writer on another connection fail fast with exit 3 naming the holder', async () => {
        const store = await fresh();
        const [a, b] = [await store.open(), await store.open()];
        try {
          let release!: () => void;
          const held = new Promise<void>((r) => (release = r));
          let entered!: () => void;
          const inside = new Promise<void>((r) => (entered = r));
          const first = withWriterLock(a, 'api', 'production', 'alice@host', async () => {
            entered();
            await held;
          });
          await inside;
          const started = Date.now();
          const err = await withWriterLock(b, 'api', 'production', 'bob', () => Promise.resolve()).then(
            () => null,
            (e: unknown) => e,
          );
          expect(Date.now() - started).toBeLessThan(2000);
          expect(err).toBeInstanceOf(CfgmigError);
          expect((err as CfgmigError).exitCode).toBe(3);
          expect((err as CfgmigError).message).toMatch(
            /^api\/production is locked by alice@host since \d{4}-\d\d-\d\dT[\d:.]+Z$/,
          );
          // Another environment of the same service is a different lock.
          await withWriterLock(b, 'api', 'staging', 'bob', () => Promise.resolve());
          release();
          await first;
          await withWriterLock(b, 'api', 'production', 'bob', () => Promise.resolve());
        } finally {
          await a.close();
          await b.close();
        }
      });

      it('releases the lock on the server after fn throws, so another connection gets it', async () => {
        const store = await fresh();
        const [a, b] = [await store.open(), await store.open()];
        try {
          await expect(
            withWriterLock(a, 'api', 'production', 'alice', () => Promise.reject(new Error('boom'))),
          ).rejects.toThrow('boom');
          expect(await withWriterLock(b, 'api', 'production', 'bob', () => Promise.resolve('ok'))).toBe('ok');
          const advisory = await b.query(`SELECT 1 FROM pg_locks l JOIN pg_database d ON d.oid = l.database
              WHERE l.locktype = 'advisory' AND d.datname = current_database()`);
          expect(advisory).toEqual([]);
        } finally {
          await a.close();
          await b.close();
        }
      });
    }
  });
}
