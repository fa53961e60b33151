/**
 * Applies the numbered schema migrations in sql/ that a store has not seen yet, each in
 * its own transaction together with its schema_migrations row, so a crash leaves the store
 * at a whole version, never between two.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  parseMigrationFileName,
  planMigrations,
  type AppliedMigration,
  type KnownMigration,
} from '../../core/store/migrations.js';
import { CfgmigError } from '../../errors.js';
import type { Db, Queryable } from './db.js';

/**
 * The .sql files stay in src/ and are read from there both by vitest (this file is
 * src/adapters/store/migrate.ts) and by the built CLI (dist/adapters/store/migrate.js):
 * both sit three levels below the package root, so one relative path serves both and no
 * build step has to copy them. package.json `files` ships the folder.
 */
export const SQL_DIR = fileURLToPath(new URL('../../../src/adapters/store/sql/', import.meta.url));

// Serialises concurrent migrators on PostgreSQL (two cfgmig processes starting at once).
const MIGRATION_LOCK = 0x6366676d; // "cfgm"

const CREATE_SCHEMA_MIGRATIONS = `
CREATE TABLE IF NOT EXISTS schema_migrations (
  version     integer PRIMARY KEY,
  name        text NOT NULL,
  applied_at  timestamptz NOT NULL DEFAULT now(),
  checksum    text NOT NULL
)`;

export function knownMigrations(dir = SQL_DIR): KnownMigration[] {
  return readdirSync(dir)
    .flatMap((file) => {
      const parsed = parseMigrationFileName(file);
      if (!parsed) return [];
      const sql = readFileSync(`${dir}/${file}`, 'utf8');
      return [{ ...parsed, sql, checksum: createHash('sha256').update(sql).digest('hex') }];
    })
    .sort((a, b) => a.version - b.version);
}

async function applied(q: Queryable): Promise<AppliedMigration[]> {
  return q.query<AppliedMigration>('SELECT version, name, checksum FROM schema_migrations ORDER BY version');
}

/**
 * The versions applied, when they are exactly the ones this cfgmig knows (nothing pending,
 * nothing newer or edited); null otherwise, or when there is no schema_migrations yet. One
 * read, no transaction and no lock: every command opens the store and nearly always finds
 * it current, and committed migrations cannot be undone by anyone racing us. Whatever else
 * it finds goes the locked way below, which re-reads and reports it.
 */
async function upToDate(db: Db, known: KnownMigration[]): Promise<number | null> {
  let rows: AppliedMigration[];
  try {
    rows = await applied(db);
  } catch {
    return null; // no schema_migrations yet (a new store), or any other surprise: the full path
  }
  const plan = planMigrations(known, rows);
  return plan.kind === 'apply' && plan.pending.length === 0
    ? Math.max(0, ...rows.map((r) => r.version))
    : null;
}

/** Brings the store up to the newest schema this cfgmig knows; returns the resulting version. */
export async function migrate(db: Db, known: KnownMigration[] = knownMigrations()): Promise<number> {
  const current = await upToDate(db, known);
  if (current !== null) return current;
  await db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    await tx.exec(CREATE_SCHEMA_MIGRATIONS);
  });
  for (;;) {
    const done = await db.transaction(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
      // Re-read under the lock: another process may have migrated while we waited.
      const plan = planMigrations(known, await applied(tx));
      if (plan.kind === 'tooNew') {
        throw new CfgmigError(
          'badInput',
          `store schema version ${plan.storeVersion} is newer than this cfgmig (knows ${plan.knownVersion}): upgrade cfgmig`,
          { hint: `The store at ${db.location} was written by a newer cfgmig. Nothing was changed.` },
        );
      }
      if (plan.kind === 'edited') {
        throw new CfgmigError(
          'badInput',
          `store schema migration ${plan.version} (${plan.name}) differs from the one applied to this store`,
          { hint: 'Applied migrations must never change; add a new numbered .sql file instead.' },
        );
      }
      const next = plan.pending[0];
      if (!next) return true;
      await tx.exec(next.sql);
      await tx.query('INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)', [
        next.version,
        next.name,
        next.checksum,
      ]);
      return false;
    });
    if (done) break;
  }
  return schemaVersion(db);
}

export async function schemaVersion(q: Queryable): Promise<number> {
  const rows = await q.query<{ v: number | null }>('SELECT max(version)::int AS v FROM schema_migrations');
  return rows[0]?.v ?? 0;
}
