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
  // Tables come from the catalog rather than a list in code, so a newer migration's tables show up too.
  const names = await db.query<{ name: string }>(
    `SELECT table_name AS name FROM information_schema.tables
      WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name`,
  );
  const tables: Record<string, number> = {};
  for (const { name } of names) {
    const quoted = `"${name.replaceAll('"', '""')}"`;
    const rows = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${quoted}`);
    tables[name] = rows[0]?.n ?? 0;
  }
  return { backend: db.kind, location: db.location, schemaVersion: await schemaVersion(db), tables };
}
