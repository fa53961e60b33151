/**
 * The append-only audit log. Rows are appended inside the caller's transaction, so an audit
 * row exists exactly when the change it records was committed.
 */
import { randomUUID } from 'node:crypto';
import { GENESIS_HASH, rowHash, verifyChain, type AuditRow } from '../../core/store/audit-chain.js';
import { canonicalJson } from '../../core/store/canonical.js';
import { CfgmigError } from '../../errors.js';
import type { Queryable } from './db.js';
import { Params } from './statement.js';

export interface AuditEntry {
  actor: string;
  action: string;
  /** What was changed, e.g. "api/production". */
  subject: string;
  /** Versions, checksums, names: never a configuration value or a credential. */
  details?: Record<string, unknown>;
}

/**
 * Any constant works; this one is "cfgmig" in ASCII, to be recognisable in pg_locks. It is a
 * single bigint key, a separate key space from the two-int writer locks (locks.ts).
 */
const AUDIT_LOCK_KEY = 0x6366676d6967;

/**
 * The SQL expression that takes the audit lock until the end of the transaction. Two
 * transactions appending at once would both read the same last row and fork the chain;
 * `SELECT … FOR UPDATE` cannot prevent that on an empty log (nothing to lock), so a
 * transaction-scoped advisory lock serialises appenders until commit. That also makes ids
 * ascend in commit order, which is the order verification walks. (On PGlite, one connection,
 * the lock is always granted.)
 *
 * For auditAppendSql's 'log' way it must be taken in a statement BEFORE the one that appends:
 * under READ COMMITTED a statement reads from a snapshot taken when it starts, so a statement
 * that waited for the lock inside itself would still see the log as it was before the previous
 * holder committed. Writers take it in a statement of its own sent with BEGIN (postgres.ts),
 * or in one that reads what they need anyway, so the lock costs no round trip of its own. The
 * 'head' way takes it inside the appending statement and gets past the snapshot with a row
 * lock (see there).
 */
export const AUDIT_LOCK_SQL = `pg_advisory_xact_lock(${AUDIT_LOCK_KEY}::bigint)`;

/** What an append needs from the store to finish: the row's link, as written. */
export interface AppendedRow {
  prev_hash: string;
  hash: string;
}

export interface AuditAppend {
  /** The CTE(s) that find the previous hash, `audit_prev`: put before the change's own CTEs. */
  prev: string;
  /** The CTEs that append the row and move the head: put after the change's own CTEs. */
  ctes: string;
  /** The CTE that returns the appended row's prev_hash and hash (AppendedRow). */
  row: string;
  /** Throws unless the row written is exactly the one rowHash() says it must be. */
  check(row: AppendedRow | undefined): void;
}

/**
 * The append of one audit row as CTEs, to run in the same statement as the change it records,
 * where it used to take three round trips of its own (read the last hash, insert, move the
 * head), each costing about as much as the work.
 *
 * The hash is computed by the server, because the previous row's hash is only known there,
 * over exactly the bytes rowHash() hashes: its canonical JSON is built here with a marker in
 * place of `prev`, and the server puts the previous hash (64 hex digits, so its JSON is itself
 * in quotes) between the UTF-8 bytes before and after the marker, sent as bytes so that the
 * database's encoding cannot change them. check() recomputes the hash with rowHash() itself.
 *
 * Where the previous hash comes from (`prev`):
 * - 'log': the last row of the log. AUDIT_LOCK_SQL must have been taken by an EARLIER
 *   statement of the transaction (see there), and check() runs before the commit, so a
 *   mismatch rolls everything back.
 * - 'head': the audit_head row, read FOR UPDATE after the audit lock is taken inside this
 *   very statement. A row lock reads the row's newest committed version whatever the
 *   statement's snapshot (PostgreSQL's READ COMMITTED re-check), and every appender moves
 *   the head in its transaction under the audit lock, so this is the true end of the log even
 *   though the lock was taken mid-statement: the statement needs no transaction around it
 *   and can be one (the change, its audit row and the head commit together or not at all).
 *   When there is no head yet (an empty log) or it does not hold a hash, nothing is appended
 *   (`when` should then stop the change too, by requiring a row in `audit_prev`) and the
 *   caller takes the 'log' way instead.
 * `when`, an SQL condition, appends only if it holds (e.g. only if the change's own CTE wrote
 * a row).
 */
export function auditAppendSql(
  entry: AuditEntry,
  p: Params,
  opts: { when?: string; prev?: 'log' | 'head' } = {},
): AuditAppend {
  const content = {
    at: new Date().toISOString(),
    actor: entry.actor,
    action: entry.action,
    subject: entry.subject,
    details: entry.details ?? {},
  };
  // A random marker cannot occur in the content by accident; the field list is rowHash()'s.
  const marker = `prev-${randomUUID()}`;
  const [before, after, ...extra] = canonicalJson({ prev: marker, ...content }).split(JSON.stringify(marker));
  if (before === undefined || after === undefined || extra.length > 0)
    throw new Error('audit: cannot split the row for hashing');
  const bytes = (text: string) => `decode(${p.add(Buffer.from(text, 'utf8').toString('hex'))}::text, 'hex')`;
  const prev =
    opts.prev === 'head'
      ? `audit_lock AS MATERIALIZED (SELECT ${AUDIT_LOCK_SQL} AS locked),
  audit_prev AS (
    SELECT h.hash FROM audit_head h CROSS JOIN audit_lock
     WHERE h.hash ~ '^[0-9a-f]{64}$' FOR UPDATE OF h)`
      : `audit_prev AS (
    SELECT coalesce((SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1), ${p.add(GENESIS_HASH)}::text) AS hash)`;
  const ctes = `
  audit_row AS (
    INSERT INTO audit_log (at, actor, action, subject, details, prev_hash, hash)
    SELECT ${p.add(content.at)}::timestamptz, ${p.add(content.actor)}::text, ${p.add(content.action)}::text,
           ${p.add(content.subject)}::text, ${p.add(JSON.stringify(content.details))}::jsonb, audit_prev.hash,
           encode(sha256(${bytes(before)} || convert_to(to_json(audit_prev.hash)::text, 'UTF8') || ${bytes(after)}), 'hex')
      FROM audit_prev${opts.when === undefined ? '' : ` WHERE ${opts.when}`}
    RETURNING id, prev_hash, hash),
  audit_moved AS (
    -- The head moves with the row, in the same transaction (see 002_audit_head.sql). ON CONFLICT
    -- updates the newest version of the row, whatever the statement's snapshot.
    INSERT INTO audit_head (last_id, hash, row_count) SELECT id, hash, 1 FROM audit_row
    ON CONFLICT (singleton) DO UPDATE
      SET last_id = EXCLUDED.last_id, hash = EXCLUDED.hash, row_count = audit_head.row_count + 1)`;
  return {
    prev,
    ctes,
    row: 'audit_row',
    check(row) {
      if (!row || row.hash !== rowHash(row.prev_hash, content)) {
        throw new CfgmigError('failed', 'internal error: the audit row written does not hash as it must', {
          hint: 'Please report this, and run `cfgmig audit verify`.',
        });
      }
    },
  };
}

/**
 * Appends one row, in the caller's transaction: two statements, the lock without parameters
 * so that, first in a transaction, it travels with the BEGIN (postgres.ts).
 */
export async function appendAudit(tx: Queryable, entry: AuditEntry): Promise<void> {
  await tx.exec(`SELECT ${AUDIT_LOCK_SQL}`);
  const p = new Params();
  const a = auditAppendSql(entry, p);
  const [row] = await tx.query<AppendedRow>(
    `WITH ${a.prev}, ${a.ctes} SELECT prev_hash, hash FROM ${a.row}`,
    p.values,
  );
  a.check(row);
}

interface Row {
  id: number;
  at: Date;
  actor: string;
  action: string;
  subject: string;
  details: unknown;
  prev_hash: string;
  hash: string;
}

export interface AuditVerification {
  rows: number;
  /** The first row that does not match the chain, or null when it is intact. */
  brokenId: number | null;
  /**
   * Set when the chain links up but does not end where the head says the last append ended:
   * rows were deleted from the end (or added without going through cfgmig).
   */
  tail: { lastId: number | null; expectedLastId: number; expectedRows: number } | null;
}

const BATCH = 1000;

/** Recomputes the whole chain in batches, so a long log is never held in memory at once. */
export async function verifyAudit(db: Queryable): Promise<AuditVerification> {
  const chain = await verifyLinks(db);
  if (chain.brokenId !== null) return { ...chain, tail: null };
  const [head] = await db.query<{ last_id: number; hash: string; row_count: number }>(
    'SELECT last_id, hash, row_count FROM audit_head',
  );
  const ok = head
    ? head.last_id === chain.last?.id && head.hash === chain.last.hash && head.row_count === chain.rows
    : chain.rows === 0;
  const tail = ok
    ? null
    : {
        lastId: chain.last?.id ?? null,
        expectedLastId: head?.last_id ?? 0,
        expectedRows: head?.row_count ?? 0,
      };
  return { rows: chain.rows, brokenId: null, tail };
}

async function verifyLinks(
  db: Queryable,
): Promise<{ rows: number; brokenId: number | null; last?: { id: number; hash: string } }> {
  let prev = GENESIS_HASH;
  let after = 0;
  let rows = 0;
  let last: { id: number; hash: string } | undefined;
  for (;;) {
    const batch = await db.query<Row>(
      `SELECT id, at, actor, action, subject, details, prev_hash, hash FROM audit_log
        WHERE id > $1 ORDER BY id LIMIT ${BATCH}`,
      [after],
    );
    const chain: AuditRow[] = batch.map((r) => ({
      id: r.id,
      at: r.at.toISOString(),
      actor: r.actor,
      action: r.action,
      subject: r.subject,
      details: r.details,
      prevHash: r.prev_hash,
      hash: r.hash,
    }));
    const brokenId = verifyChain(chain, prev);
    if (brokenId !== null) return { rows: rows + chain.findIndex((r) => r.id === brokenId) + 1, brokenId };
    rows += chain.length;
    last = chain.at(-1) ?? last;
    if (chain.length < BATCH || !last) return { rows, brokenId: null, last };
    prev = last.hash;
    after = last.id;
  }
}
