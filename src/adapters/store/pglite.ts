/**
 * Embedded backend: PGlite (PostgreSQL compiled to WebAssembly) in `.cfgmig/store/` under
 * the project root, so every command works without a server. Layout:
 *   .cfgmig/store/cfgmig.pid   exclusive lock, see pid-lock.ts
 *   .cfgmig/store/pgdata/      PGlite's data directory (kept apart so the lock file never
 *                              sits inside a directory PostgreSQL thinks it owns)
 *   .cfgmig/store/pgdata.creating/  scratch directory while the store is first created
 */
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { PGlite, type Transaction } from '@electric-sql/pglite';
import { CfgmigError } from '../../errors.js';
import type { Db, Queryable } from './db.js';
import { acquirePidLock } from './pid-lock.js';
import { BYTEA_OID, INT8_OID, parseBytea, parseInt8 } from './value-types.js';

export const EMBEDDED_DIR = join('.cfgmig', 'store');

function queryable(pg: PGlite | Transaction): Queryable {
  return {
    async query<T>(sql: string, params: unknown[] = []) {
      return (await pg.query<T>(sql, params)).rows;
    },
    async exec(sql: string) {
      await pg.exec(sql);
    },
  };
}

/**
 * Creates the data directory (initdb, a couple of seconds) in a scratch directory and renames
 * it into place only when complete. PGlite writes the new cluster into the directory it is
 * given file by file, so a process killed half-way could leave a `pgdata` with PG_VERSION but no
 * postgresql.conf, which PGlite then refuses to open ever again. Runs under the pid lock, so a
 * leftover scratch directory belongs to a process that died and is simply started over.
 */
async function createDataDir(dir: string, data: string): Promise<void> {
  const scratch = join(dir, 'pgdata.creating');
  rmSync(scratch, { recursive: true, force: true });
  const pg = await PGlite.create(scratch);
  await pg.close();
  renameSync(scratch, data);
}

export async function openEmbedded(root: string): Promise<Db> {
  const dir = join(root, EMBEDDED_DIR);
  mkdirSync(dir, { recursive: true });
  const lock = acquirePidLock(join(dir, 'cfgmig.pid'), `embedded store ${dir}`);
  let pg: PGlite;
  try {
    const data = join(dir, 'pgdata');
    if (!existsSync(data)) await createDataDir(dir, data);
    pg = await PGlite.create(data, {
      parsers: { [INT8_OID]: parseInt8, [BYTEA_OID]: parseBytea },
    });
  } catch (err) {
    lock.release();
    throw new CfgmigError('failed', `cannot open the embedded store in ${dir}: ${(err as Error).message}`, {
      hint: 'Check that the directory is readable and writable. A store written by another cfgmig version may need that version.',
      cause: err,
    });
  }
  const base = queryable(pg);
  return {
    kind: 'embedded',
    location: dir,
    ...base,
    transaction: (fn) => pg.transaction((tx) => fn(queryable(tx))),
    // PGlite has exactly one connection, so the session is the database itself.
    session: (fn) => fn({ ...base, transaction: (tfn) => pg.transaction((tx) => tfn(queryable(tx))) }),
    async close() {
      try {
        await pg.close();
      } finally {
        lock.release();
      }
    },
  };
}
