/** What `cfgmig store info` reports: which backend, where, which schema version, how many rows. */
import type { Db } from './db.js';
import { schemaVersion } from './migrate.js';

export interface StoreInfo {
  backend: Db['kind'];
  location: string;
  schemaVersion: number;
  tables: Record<string, number>;
}

export async function storeInfo(db: Db): Promise<StoreInfo> {
  // Tables come from the catalog rather than a list in code, so a newer migration's tables show
  // up too. pg_catalog rather than information_schema, whose views cost more to plan and run
  // than all the counts together (this command is meant to answer at once).
  const names = await db.query<{ name: string }>(
    `SELECT c.relname AS name FROM pg_catalog.pg_class c
       JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') ORDER BY c.relname`,
  );
  const tables: Record<string, number> = {};
  if (names.length > 0) {
    // Every count in one statement: one round trip, not one per table.
    const counts = await db.query<{ name: string; n: number }>(
      names
        .map(({ name }, i) => `SELECT $${i + 1}::text AS name, count(*)::int AS n FROM ${quoteIdent(name)}`)
        .join(' UNION ALL '),
      names.map(({ name }) => name),
    );
    const byName = new Map(counts.map((r) => [r.name, r.n]));
    for (const { name } of names) tables[name] = byName.get(name) ?? 0;
  }
  return { backend: db.kind, location: db.location, schemaVersion: await schemaVersion(db), tables };
}

function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
