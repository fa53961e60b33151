/**
 * Where every service stands, per environment: the current configuration version, its flags
 * and its newest migration. What `cfgmig status` shows; the canary and validate commands will
 * add to it.
 */
import type { Json } from '../../core/store/canonical.js';
import { latestCanaryRun, listGateResults, type GateResult } from './canary-runs.js';
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
  /** The newest migration's latest canary run: where it is and the evidence of its last step. */
  canary: CanaryStatus | null;
}

export interface CanaryStatus {
  runId: number;
  state: string;
  /** 1-based step and its share of reads. */
  step: number;
  percentBp: number;
  /** How it ended, when it did: the result and what decided it. */
  outcome: Json | null;
  /** Every measurement of the current (or deciding) step, oldest first. */
  evidence: Omit<GateResult, 'step'>[];
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
      r = {
        service,
        environment,
        version: 0,
        updatedAt: null,
        flag: null,
        keyFlags: [],
        migration: null,
        canary: null,
      };
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
  for (const r of rows.values()) if (r.migration) r.canary = await canaryStatus(db, r.migration.id);
  return [...rows.values()].sort((a, b) =>
    a.service === b.service ? a.environment.localeCompare(b.environment) : a.service.localeCompare(b.service),
  );
}

async function canaryStatus(db: Queryable, migrationId: string): Promise<CanaryStatus | null> {
  const run = await latestCanaryRun(db, migrationId);
  if (!run) return null;
  const results = await listGateResults(db, run.id);
  return {
    runId: run.id,
    state: run.state,
    step: run.step + 1,
    percentBp: run.schedule[run.step] ?? 0,
    outcome: run.outcome,
    evidence: results.filter((g) => g.step === run.step).map(({ step: _, ...g }) => g),
  };
}
