/**
 * The PostgreSQL store itself, read without migrating it and without the master key (the
 * publication carries credentials encrypted). No push channel: with only a store, changes
 * arrive by the client's periodic reconciliation. The embedded store is not read here: PGlite
 * belongs to one process, so services on the same machine follow the snapshot files instead.
 */
import type { Db } from '../../adapters/store/db.js';
import type { Source } from './source.js';

export function storeSource(url: string, service: string, environment: string): Source {
  let db: Db | null = null;
  return {
    name: 'store',
    async fetch() {
      // Imported when used: a service on Redis alone never loads pg.
      const { openPostgres } = await import('../../adapters/store/postgres.js');
      const { readPublication } = await import('../../adapters/store/publication.js');
      db ??= await openPostgres(url);
      try {
        return await readPublication(db, service, environment);
      } catch (err) {
        // A dropped connection: open a fresh pool next time.
        const dead = db;
        db = null;
        await dead.close().catch(() => undefined);
        throw err;
      }
    },
    async listen() {},
    live: () => true,
    async close() {
      await db?.close().catch(() => undefined);
      db = null;
    },
  };
}
