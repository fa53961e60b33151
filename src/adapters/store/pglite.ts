/**
 * Embedded backend: PGlite (PostgreSQL compiled to WebAssembly) in `.cfgmig/store/` under
 * the project root, so every command works without a server. Layout:
 *   .cfgmig/store/cfgmig.pid   exclusive lock, see pid-lock.ts
 *   .cfgmig/store/pgdata/      PGlite's data directory (kept apart so the lock file never
 *                              sits inside a directory PostgreSQL thinks it owns)
 */
import { mkdirSync } from 'node:fs';
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

export async function openEmbedded(root: string): Promise<Db> {
  const dir = join(root, EMBEDDED_DIR);
  mkdirSync(dir, { recursive: true });
  const lock = acquirePidLock(join(dir, 'cfgmig.pid'), `embedded store ${dir}`);
  let pg: PGlite;
  try {
    pg = await PGlite.create(join(dir, 'pgdata'), {
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
    session: (fn) => fn(base),
    async close() {
      try {
        await pg.close();
      } finally {
        lock.release();
      }
    },
  };
}
