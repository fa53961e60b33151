/**
 * Configuration versions per service and environment. Versions are immutable and
 * append-only; the current one is the highest. Writes are compare-and-set on the version
 * the caller last saw, so two people editing the same configuration cannot silently
 * overwrite each other.
 */
import { checksumOf, type Json } from '../../core/store/canonical.js';
import { assertStorable } from '../../core/store/storable.js';
import { badInput, CfgmigError } from '../../errors.js';
import { AUDIT_LOCK_SQL, auditAppendSql, type AppendedRow } from './audit.js';
import type { Db, Queryable } from './db.js';
import { Params } from './statement.js';

export interface VersionInfo {
  version: number;
  author: string;
  reason: string;
  createdAt: Date;
  checksum: string;
  migrationId: string | null;
}

export interface ConfigVersion extends VersionInfo {
  service: string;
  environment: string;
  data: Json;
}

export interface WriteVersion {
  service: string;
  environment: string;
  /** The version the caller based its change on; 0 when there is none yet. */
  expectedVersion: number;
  data: Json;
  author: string;
  reason: string;
  migrationId?: string;
}

interface Row {
  version: number;
  author: string;
  reason: string;
  created_at: Date;
  checksum: string;
  migration_id: string | null;
}

const INFO_COLUMNS = 'version, author, reason, created_at, checksum, migration_id';

function info(r: Row): VersionInfo {
  return {
    version: r.version,
    author: r.author,
    reason: r.reason,
    createdAt: r.created_at,
    checksum: r.checksum,
    migrationId: r.migration_id,
  };
}

async function latest(q: Queryable, service: string, env: string): Promise<VersionInfo | null> {
  const [row] = await q.query<Row>(
    `SELECT ${INFO_COLUMNS} FROM service_configurations
      WHERE service = $1 AND environment = $2 ORDER BY version DESC LIMIT 1`,
    [service, env],
  );
  return row ? info(row) : null;
}

/** The current version number, 0 when the configuration has none yet. */
export async function currentVersion(db: Queryable, service: string, env: string): Promise<number> {
  return (await latest(db, service, env))?.version ?? 0;
}

/**
 * One version (the current one when `version` is omitted), or null when there is none.
 * The checksum is verified: corrupt data is an error, never returned.
 */
export async function readVersion(
  db: Queryable,
  service: string,
  env: string,
  version?: number,
): Promise<ConfigVersion | null> {
  const [row] = await db.query<Row & { data: Json }>(
    `SELECT ${INFO_COLUMNS}, data FROM service_configurations
      WHERE service = $1 AND environment = $2 AND ($3::int IS NULL OR version = $3::int)
      ORDER BY version DESC LIMIT 1`,
    [service, env, version ?? null],
  );
  if (!row) return null;
  // The message never includes the data: it may hold values someone should not see.
  if (checksumOf(row.data) !== row.checksum) {
    throw new CfgmigError(
      'failed',
      `configuration ${service}/${env} version ${row.version} is corrupt: checksum mismatch`,
      {
        hint: 'The stored data no longer matches the checksum written with it. Restore it from a backup or write a new version.',
      },
    );
  }
  return { service, environment: env, ...info(row), data: row.data };
}

/** Every version, oldest first, without the data. */
export async function history(db: Queryable, service: string, env: string): Promise<VersionInfo[]> {
  const rows = await db.query<Row>(
    `SELECT ${INFO_COLUMNS} FROM service_configurations
      WHERE service = $1 AND environment = $2 ORDER BY version`,
    [service, env],
  );
  return rows.map(info);
}

/** The environments in which `service` has at least one version, by name. */
export async function configuredEnvironments(db: Queryable, service: string): Promise<string[]> {
  const rows = await db.query<{ environment: string }>(
    'SELECT DISTINCT environment FROM service_configurations WHERE service = $1 ORDER BY environment',
    [service],
  );
  return rows.map((r) => r.environment);
}

function conflict(service: string, env: string, expected: number, current: VersionInfo | null): CfgmigError {
  const at = current
    ? `is at version ${current.version}, expected ${expected}: changed by ${current.author} at ${current.createdAt.toISOString()}`
    : `has no version yet, expected ${expected}`;
  return new CfgmigError('conflict', `${service}/${env} ${at}`, {
    hint: 'Someone else wrote it since you read it: read the current version, reapply your change and retry.',
  });
}

function isUniqueViolation(err: unknown): boolean {
  // pg's DatabaseError and PGlite's error both carry the SQLSTATE in `code`.
  return (err as { code?: unknown } | null)?.code === '23505';
}

/** What the write statement returns: the version it found (all NULL when none) and the audit link. */
type WriteRow = Partial<Row> & Partial<AppendedRow> & { chained?: boolean };

function currentOf(row: WriteRow | undefined): VersionInfo | null {
  return row?.version === undefined || row.version === null ? null : info(row as Row);
}

/**
 * The compare-and-set write of one version with its audit row, as one statement: the current
 * version (as of the statement's snapshot: a writer racing it is stopped by the unique
 * constraint), the new one inserted only if the current one is the one expected, its audit
 * row only if it was. `chained` says whether the audit could be appended (see auditAppendSql).
 * The checksum identifies the data without revealing it: the log never holds values.
 */
function writeStatement(w: WriteVersion, checksum: string, prev: 'log' | 'head') {
  const version = w.expectedVersion + 1;
  const p = new Params();
  const service = p.add(w.service);
  const environment = p.add(w.environment);
  const audit = auditAppendSql(
    {
      actor: w.author,
      action: 'config.write',
      subject: `${w.service}/${w.environment}`,
      details: { version, checksum, reason: w.reason, migrationId: w.migrationId ?? null },
    },
    p,
    { when: 'EXISTS (SELECT 1 FROM written)', prev },
  );
  const sql = `WITH cur AS (
      SELECT ${INFO_COLUMNS} FROM service_configurations
       WHERE service = ${service}::text AND environment = ${environment}::text ORDER BY version DESC LIMIT 1),
    ${audit.prev},
    written AS (
      INSERT INTO service_configurations (service, environment, version, data, checksum, author, reason, migration_id)
      SELECT ${service}::text, ${environment}::text, ${p.add(version)}::int, ${p.add(JSON.stringify(w.data))}::jsonb,
             ${p.add(checksum)}::text, ${p.add(w.author)}::text, ${p.add(w.reason)}::text, ${p.add(w.migrationId ?? null)}::text
       WHERE coalesce((SELECT version FROM cur), 0) = ${p.add(w.expectedVersion)}::int
         AND EXISTS (SELECT 1 FROM audit_prev)
      RETURNING version),
    ${audit.ctes}
    SELECT cur.*, EXISTS (SELECT 1 FROM audit_prev) AS chained, a.prev_hash, a.hash
      FROM (SELECT 1) AS one LEFT JOIN cur ON true LEFT JOIN ${audit.row} AS a ON true`;
  return { sql, values: p.values, audit };
}

/** Checks what the store could not keep as written; returns the data's checksum. */
function prepare(w: WriteVersion): string {
  if (!Number.isSafeInteger(w.expectedVersion) || w.expectedVersion < 0) {
    throw badInput(`expected version must be a whole number >= 0, got ${w.expectedVersion}`);
  }
  assertStorable('configuration version', {
    service: w.service,
    environment: w.environment,
    author: w.author,
    reason: w.reason,
  });
  assertStorable(`configuration ${w.service}/${w.environment}`, w.data);
  return checksumOf(w.data); // also refuses values that are not JSON
}

async function writeInTransaction(tx: Queryable, w: WriteVersion, checksum: string): Promise<number> {
  await tx.exec(`SELECT ${AUDIT_LOCK_SQL}`);
  const two = writeStatement(w, checksum, 'log');
  const [r] = await tx.query<WriteRow>(two.sql, two.values);
  if ((r?.version ?? 0) !== w.expectedVersion)
    throw conflict(w.service, w.environment, w.expectedVersion, currentOf(r));
  two.audit.check(r?.hash === undefined || r.hash === null ? undefined : (r as AppendedRow));
  return w.expectedVersion + 1;
}

/**
 * writeVersion inside the caller's transaction, for a change that writes more than one
 * version (apply: credentials, configuration, flags and the migration record together). The
 * caller serialises writers of the same service and environment (withWriterLock); a writer
 * that raced past anyway fails on the unique constraint and its whole transaction rolls back.
 */
export async function writeVersionIn(tx: Queryable, w: WriteVersion): Promise<number> {
  return writeInTransaction(tx, w, prepare(w));
}

/**
 * Writes `data` as version expectedVersion + 1 if the current version is still
 * expectedVersion; otherwise a conflict (exit 3) naming who changed it. Returns the new version.
 */
export async function writeVersion(db: Db, w: WriteVersion): Promise<number> {
  const checksum = prepare(w);
  try {
    // Normally ONE statement, a transaction by itself (see 'head' in auditAppendSql): reads the
    // current version, writes the new one only if the current one is still the one expected
    // (compare-and-set), appends its audit row only if it was written. One round trip where
    // each costs about as much as the work itself.
    const one = writeStatement(w, checksum, 'head');
    const [row] = await db.query<WriteRow>(one.sql, one.values);
    if (row?.chained) {
      if ((row.version ?? 0) !== w.expectedVersion)
        throw conflict(w.service, w.environment, w.expectedVersion, currentOf(row));
      one.audit.check(row as AppendedRow); // committed already: a can't-happen that must not pass silently
      return w.expectedVersion + 1;
    }
    // No audit head yet (the log's first row) or an unreadable one: nothing was written. The
    // same statement then runs in a transaction after the audit lock was taken on its own,
    // chaining onto the log's last row, and is checked before it commits.
    return await db.transaction((tx) => writeInTransaction(tx, w, checksum));
  } catch (err) {
    // Two writers that both read the same current version race to insert the same next
    // one: the unique constraint lets exactly one through, the other lands here. The
    // original error is not kept as the cause: it carries the query parameters (the data).
    if (!isUniqueViolation(err)) throw err;
    throw conflict(w.service, w.environment, w.expectedVersion, await latest(db, w.service, w.environment));
  }
}
