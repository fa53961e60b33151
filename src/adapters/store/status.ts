/**
 * Where every service stands, per environment: the current configuration version, its flags,
 * its newest migration and last canary, the writer locks and canary leases held on it, and the
 * plan files waiting to be applied. What `cfgmig status` shows.
 */
import { readdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { hasChanges, type PlanDoc } from '../../core/plan/plan-doc.js';
import type { Json } from '../../core/store/canonical.js';
import { readPlanFile } from '../plan-file.js';
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
  /** The rollout phase of the service's profile (`canary --phase`), when the project describes it. */
  phase?: string;
  /** The newest migration's latest canary run: where it is and the evidence of its last step. */
  canary: CanaryStatus | null;
  /** Writer locks held now (apply, flags set, finalize, rollback in progress). Only when any. */
  locks?: LockStatus[];
  /** Canary runs whose lease has an owner: a runner driving it, or (expired) one that died. Only when any. */
  leases?: LeaseStatus[];
  /** Plan files not applied yet: planned against the current version, with changes. Only when any. */
  pendingPlans?: PendingPlan[];
}

export interface LockStatus {
  holder: string;
  since: Date;
}

export interface LeaseStatus {
  runId: number;
  owner: string;
  expiresAt: Date | null;
  /** An expired lease: its runner stopped renewing it; `cfgmig canary --resume` takes over. */
  expired: boolean;
}

export interface PendingPlan {
  /** Relative to the project root. */
  file: string;
  baseVersion: number;
  summary: PlanDoc['summary'];
}

/** Where to look for plan files: the project root and its plans folder (relative). */
export interface PlanLocation {
  root: string;
  dir: string;
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
  plans?: PlanLocation,
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
  const wanted = (s: string, e: string) =>
    (filter.service === undefined || filter.service === s) &&
    (filter.environment === undefined || filter.environment === e);
  for (const l of await heldLocks(db, filter))
    (row(l.service, l.environment).locks ??= []).push({ holder: l.holder, since: l.since });
  for (const l of await heldLeases(db, filter))
    (row(l.service, l.environment).leases ??= []).push({
      runId: Number(l.id),
      owner: l.lease_owner,
      expiresAt: l.lease_expires_at,
      expired: l.expired,
    });
  if (plans) {
    for (const p of await planFiles(plans)) {
      if (!wanted(p.doc.service, p.doc.environment)) continue;
      const current = rows.get(id(p.doc.service, p.doc.environment))?.version ?? 0;
      if (p.doc.base.version !== current || !hasChanges(p.doc)) continue;
      (row(p.doc.service, p.doc.environment).pendingPlans ??= []).push({
        file: p.file,
        baseVersion: p.doc.base.version,
        summary: p.doc.summary,
      });
    }
  }
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

/**
 * writer_locks rows whose advisory lock is really held (pg_locks): a row a crashed holder left
 * behind is not a lock. The two-int4 advisory key shows in pg_locks as classid/objid with
 * objsubid 2 (locks.ts takes it as hashtext(service), hashtext(environment)).
 */
async function heldLocks(
  db: Queryable,
  filter: { service?: string; environment?: string },
): Promise<{ service: string; environment: string; holder: string; since: Date }[]> {
  return db.query(
    `SELECT w.service, w.environment, w.holder, w.since
       FROM writer_locks w
      WHERE ($1::text IS NULL OR w.service = $1) AND ($2::text IS NULL OR w.environment = $2)
        AND EXISTS (SELECT 1 FROM pg_locks l
                     WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 2
                       AND l.classid = hashtext(w.service)::oid AND l.objid = hashtext(w.environment)::oid)
      ORDER BY w.service, w.environment`,
    [filter.service ?? null, filter.environment ?? null],
  );
}

async function heldLeases(
  db: Queryable,
  filter: { service?: string; environment?: string },
): Promise<
  {
    id: string | number;
    service: string;
    environment: string;
    lease_owner: string;
    lease_expires_at: Date | null;
    expired: boolean;
  }[]
> {
  return db.query(
    `SELECT r.id, m.service, m.environment, r.lease_owner, r.lease_expires_at,
            COALESCE(r.lease_expires_at <= now(), true) AS expired
       FROM canary_runs r JOIN migrations m ON m.id = r.migration_id
      WHERE r.lease_owner IS NOT NULL
        AND ($1::text IS NULL OR m.service = $1) AND ($2::text IS NULL OR m.environment = $2)
      ORDER BY m.service, m.environment, r.id`,
    [filter.service ?? null, filter.environment ?? null],
  );
}

/** Every readable plan file in the plans folder; one that cannot be read is no pending plan. */
async function planFiles({ root, dir }: PlanLocation): Promise<{ file: string; doc: PlanDoc }[]> {
  let names: string[];
  try {
    names = await readdir(resolve(root, dir));
  } catch {
    return [];
  }
  const out: { file: string; doc: PlanDoc }[] = [];
  for (const name of names.filter((n) => n.endsWith('.plan.yaml')).sort()) {
    const file = join(dir, name).split('\\').join('/');
    try {
      out.push({ file, doc: await readPlanFile(resolve(root, file), file) });
    } catch {
      // A damaged or edited plan is `apply`'s and `validate`'s to report; status only counts plans.
    }
  }
  return out;
}
