/**
 * Where every service stands, per environment: the current configuration version, its flags
 * and its newest migration. What `cfgmig status` shows; the canary and validate commands will
 * add to it.
 */
import type { Queryable } from './db.js';
import { listFlags, type Flag } from './flags.js';
import { listMigrations, type MigrationRecord } from './migration-records.js';

export interface ServiceStatus {
  service: string;
  environment: string;
  /** 0 when nothing was written yet (a flag can exist without a version only if set by hand). */
  version: number;
  updatedAt: Date | null;
  /** The service-wide flag and the per-key ones. */
  flag: Pick<Flag, 'mode' | 'percentBp' | 'migrationId'> | null;
  keyFlags: Pick<Flag, 'key' | 'mode' | 'percentBp'>[];
  migration: Pick<MigrationRecord, 'id' | 'status' | 'baseVersion' | 'targetVersion'> | null;
}

export async function serviceStatus(
  db: Queryable,
  filter: { service?: string; environment?: string } = {},
): Promise<ServiceStatus[]> {
  const versions = await db.query<{
    service: string;
    environment: string;
    version: number;
    created_at: Date;
  }>(
    `SELECT DISTINCT ON (service, environment) service, environment, version, created_at
       FROM service_configurations
      WHERE ($1::text IS NULL OR service = $1) AND ($2::text IS NULL OR environment = $2)
      ORDER BY service, environment, version DESC`,
    [filter.service ?? null, filter.environment ?? null],
  );
  const flags = await listFlags(db, filter);
  const migrations = await listMigrations(db, filter); // newest first
  const id = (s: string, e: string) => JSON.stringify([s, e]);
  const rows = new Map<string, ServiceStatus>();
  const row = (service: string, environment: string): ServiceStatus => {
    const k = id(service, environment);
    let r = rows.get(k);
    if (!r) {
      r = { service, environment, version: 0, updatedAt: null, flag: null, keyFlags: [], migration: null };
      rows.set(k, r);
    }
    return r;
  };
  for (const v of versions)
    Object.assign(row(v.service, v.environment), { version: v.version, updatedAt: v.created_at });
  for (const f of flags) {
    const r = row(f.service, f.environment);
    if (f.key === '*') r.flag = { mode: f.mode, percentBp: f.percentBp, migrationId: f.migrationId };
    else r.keyFlags.push({ key: f.key, mode: f.mode, percentBp: f.percentBp });
  }
  for (const m of migrations) {
    const r = rows.get(id(m.service, m.environment));
    if (r && !r.migration) {
      r.migration = {
        id: m.id,
        status: m.status,
        baseVersion: m.baseVersion,
        targetVersion: m.targetVersion,
      };
    }
  }
  return [...rows.values()].sort((a, b) =>
    a.service === b.service ? a.environment.localeCompare(b.environment) : a.service.localeCompare(b.service),
  );
}
