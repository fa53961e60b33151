/**
 * Migration flags: which source a service reads each key from (DESIGN.md "Flags"). Written by
 * apply, canary and rollback; read by status and the client library. Key '*' is the
 * service-wide flag, a named key overrides it.
 */
import { checkFlag, type FlagMode } from '../../core/store/lifecycle.js';
import { assertStorable } from '../../core/store/storable.js';
import { appendAudit } from './audit.js';
import type { Queryable } from './db.js';

export interface Flag {
  service: string;
  environment: string;
  key: string;
  mode: FlagMode;
  percentBp: number;
  migrationId: string | null;
  updatedAt: Date;
  /** Drawn from one sequence at every change: the highest of a service's is its flag version. */
  revision: number;
}

export interface SetFlag {
  service: string;
  environment: string;
  /** Default '*': every key of the service in that environment. */
  key?: string;
  mode: FlagMode;
  percentBp: number;
  /** The migration the flag belongs to; omitted, a flag keeps the one it had. */
  migrationId?: string | null;
  /** Why (an operator's `flags set --reason`), recorded in the audit row. */
  reason?: string;
}

/** Creates or changes one flag in the caller's transaction, with an audit row. */
export async function setFlag(tx: Queryable, f: SetFlag, actor: string): Promise<void> {
  checkFlag(f.mode, f.percentBp);
  const key = f.key ?? '*';
  assertStorable('migration flag', {
    service: f.service,
    environment: f.environment,
    key,
    actor,
    reason: f.reason ?? '',
  });
  await tx.query(
    `INSERT INTO migration_flags (service, environment, key, mode, percent_bp, migration_id, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, now())
     ON CONFLICT (service, environment, key) DO UPDATE
       SET mode = EXCLUDED.mode, percent_bp = EXCLUDED.percent_bp,
           migration_id = coalesce(EXCLUDED.migration_id, migration_flags.migration_id),
           updated_at = EXCLUDED.updated_at, revision = nextval('flag_revision')`,
    [f.service, f.environment, key, f.mode, f.percentBp, f.migrationId ?? null],
  );
  await appendAudit(tx, {
    actor,
    action: 'flag.set',
    subject: `${f.service}/${f.environment}/${key}`,
    details: {
      mode: f.mode,
      percentBp: f.percentBp,
      migrationId: f.migrationId ?? null,
      ...(f.reason ? { reason: f.reason } : {}),
    },
  });
}

/** Flags, filtered by service and environment when given, ordered by service, environment, key. */
export async function listFlags(
  db: Queryable,
  filter: { service?: string; environment?: string } = {},
): Promise<Flag[]> {
  const rows = await db.query<{
    service: string;
    environment: string;
    key: string;
    mode: FlagMode;
    percent_bp: number;
    migration_id: string | null;
    updated_at: Date;
    revision: string;
  }>(
    `SELECT service, environment, key, mode, percent_bp, migration_id, updated_at, revision::text AS revision
       FROM migration_flags
      WHERE ($1::text IS NULL OR service = $1) AND ($2::text IS NULL OR environment = $2)
      ORDER BY service, environment, key`,
    [filter.service ?? null, filter.environment ?? null],
  );
  return rows.map((r) => ({
    service: r.service,
    environment: r.environment,
    key: r.key,
    mode: r.mode,
    percentBp: r.percent_bp,
    migrationId: r.migration_id,
    updatedAt: r.updated_at,
    revision: Number(r.revision),
  }));
}
