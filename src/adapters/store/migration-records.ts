/**
 * Migration records: one per `apply`, with its status, the configuration versions it moved
 * between and the plan that undoes it. Status changes are compare-and-set on the status the
 * caller saw and follow the moves in core/store/lifecycle.ts, so two processes cannot both
 * start rolling the same migration back.
 */
import type { Json } from '../../core/store/canonical.js';
import { checkMigrationMove, type MigrationStatus } from '../../core/store/lifecycle.js';
import { assertStorable } from '../../core/store/storable.js';
import { badInput, CfgmigError } from '../../errors.js';
import { appendAudit } from './audit.js';
import type { Queryable } from './db.js';

export interface MigrationRecord {
  id: string;
  service: string;
  environment: string;
  status: MigrationStatus;
  baseVersion: number | null;
  targetVersion: number | null;
  planChecksum: string | null;
  rollbackPlan: Json;
  createdBy: string;
  createdAt: Date;
  updatedAt: Date;
}

export interface NewMigration {
  id: string;
  service: string;
  environment: string;
  baseVersion: number | null;
  planChecksum: string | null;
  rollbackPlan: Json;
  /** Where the service read each key before (core/publish/publication.ts LegacyMap). */
  legacyMap?: Json;
  createdBy: string;
  /**
   * Default `pending`. `apply` records its migration as `applied` with the version it wrote,
   * in the transaction that wrote it: no other process can ever see it half way.
   */
  status?: 'pending' | 'applied';
  targetVersion?: number;
}

interface Row {
  id: string;
  service: string;
  environment: string;
  status: MigrationStatus;
  base_version: number | null;
  target_version: number | null;
  plan_checksum: string | null;
  rollback_plan: Json;
  created_by: string;
  created_at: Date;
  updated_at: Date;
}

const COLUMNS =
  'id, service, environment, status, base_version, target_version, plan_checksum, rollback_plan, created_by, created_at, updated_at';

function record(r: Row): MigrationRecord {
  return {
    id: r.id,
    service: r.service,
    environment: r.environment,
    status: r.status,
    baseVersion: r.base_version,
    targetVersion: r.target_version,
    planChecksum: r.plan_checksum,
    rollbackPlan: r.rollback_plan,
    createdBy: r.created_by,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

/** Records a new migration (`pending` unless said otherwise) in the caller's transaction. */
export async function createMigration(tx: Queryable, m: NewMigration): Promise<MigrationRecord> {
  assertStorable(`migration ${m.id}`, m);
  const [exists] = await tx.query('SELECT 1 FROM migrations WHERE id = $1', [m.id]);
  if (exists)
    throw badInput(`migration ${m.id} already exists`, {
      hint: 'Migration ids are unique; make a new plan.',
    });
  const [row] = await tx.query<Row>(
    `INSERT INTO migrations
       (id, service, environment, status, base_version, target_version, plan_checksum, rollback_plan,
        created_by, legacy_map)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb, $9, $10::jsonb) RETURNING ${COLUMNS}`,
    [
      m.id,
      m.service,
      m.environment,
      m.status ?? 'pending',
      m.baseVersion,
      m.targetVersion ?? null,
      m.planChecksum,
      JSON.stringify(m.rollbackPlan),
      m.createdBy,
      JSON.stringify(m.legacyMap ?? {}),
    ],
  );
  await appendAudit(tx, {
    actor: m.createdBy,
    action: 'migration.create',
    subject: `${m.service}/${m.environment}`,
    details: {
      id: m.id,
      status: m.status ?? 'pending',
      baseVersion: m.baseVersion,
      targetVersion: m.targetVersion ?? null,
      planChecksum: m.planChecksum,
    },
  });
  return record(row!);
}

export async function getMigration(db: Queryable, id: string): Promise<MigrationRecord | null> {
  const [row] = await db.query<Row>(`SELECT ${COLUMNS} FROM migrations WHERE id = $1`, [id]);
  return row ? record(row) : null;
}

/**
 * The legacy map of the newest migration of a service and environment that wrote its
 * configuration ({} when none did): how the service read those keys before.
 */
export async function currentLegacyMap(db: Queryable, service: string, environment: string): Promise<Json> {
  const [row] = await db.query<{ legacy_map: Json }>(
    `SELECT legacy_map FROM migrations
      WHERE service = $1 AND environment = $2 AND target_version IS NOT NULL
      ORDER BY target_version DESC, created_at DESC LIMIT 1`,
    [service, environment],
  );
  return row?.legacy_map ?? {};
}

/** Newest first, filtered by service and environment when given. */
export async function listMigrations(
  db: Queryable,
  filter: { service?: string; environment?: string } = {},
): Promise<MigrationRecord[]> {
  const rows = await db.query<Row>(
    `SELECT ${COLUMNS} FROM migrations
      WHERE ($1::text IS NULL OR service = $1) AND ($2::text IS NULL OR environment = $2)
      ORDER BY created_at DESC, id DESC`,
    [filter.service ?? null, filter.environment ?? null],
  );
  return rows.map(record);
}

/**
 * Moves a migration from `from` to `to` in the caller's transaction, optionally recording the
 * version it wrote. Refused (exit 3) when the move is not allowed or the status is no longer
 * `from`: someone else moved it first.
 */
export async function moveMigration(
  tx: Queryable,
  id: string,
  from: MigrationStatus,
  to: MigrationStatus,
  actor: string,
  patch: { targetVersion?: number } = {},
): Promise<MigrationRecord> {
  checkMigrationMove(id, from, to);
  const [row] = await tx.query<Row>(
    `UPDATE migrations SET status = $3, target_version = coalesce($4, target_version), updated_at = now()
      WHERE id = $1 AND status = $2 RETURNING ${COLUMNS}`,
    [id, from, to, patch.targetVersion ?? null],
  );
  if (!row) {
    const now = await getMigration(tx, id);
    if (!now) throw badInput(`no migration ${id}`);
    throw new CfgmigError(
      'conflict',
      `migration ${id} is ${now.status}, not ${from}: it was changed meanwhile`,
      {
        hint: 'Another cfgmig moved it first; check `cfgmig status` and retry if still needed.',
      },
    );
  }
  await appendAudit(tx, {
    actor,
    action: 'migration.status',
    subject: `${row.service}/${row.environment}`,
    details: { id, from, to, targetVersion: row.target_version },
  });
  return record(row);
}
