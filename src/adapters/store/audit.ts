/**
 * The append-only audit log. Rows are appended inside the caller's transaction, so an audit
 * row exists exactly when the change it records was committed.
 */
import { GENESIS_HASH, rowHash, verifyChain, type AuditRow } from '../../core/store/audit-chain.js';
import type { Queryable } from './db.js';

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
 * Appends one row. Two transactions appending at once would both read the same last row and
 * fork the chain; `SELECT … FOR UPDATE` cannot prevent that on an empty log (nothing to
 * lock), so a transaction-scoped advisory lock serialises appenders until commit. That also
 * makes ids ascend in commit order, which is the order verification walks. (On PGlite, one
 * connection, the lock is always granted.)
 */
export async function appendAudit(tx: Queryable, entry: AuditEntry): Promise<void> {
  await tx.query('SELECT pg_advisory_xact_lock($1::bigint)', [AUDIT_LOCK_KEY]);
  const [last] = await tx.query<{ hash: string }>('SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1');
  const prev = last?.hash ?? GENESIS_HASH;
  const content = {
    at: new Date().toISOString(),
    actor: entry.actor,
    action: entry.action,
    subject: entry.subject,
    details: entry.details ?? {},
  };
  const hash = rowHash(prev, content);
  const [row] = await tx.query<{ id: number }>(
    `INSERT INTO audit_log (at, actor, action, subject, details, prev_hash, hash)
     VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7) RETURNING id`,
    [content.at, content.actor, content.action, content.subject, JSON.stringify(content.details), prev, hash],
  );
  // The head moves with the row, in the same transaction (see 002_audit_head.sql).
  await tx.query(
    `INSERT INTO audit_head (last_id, hash, row_count) VALUES ($1, $2, 1)
     ON CONFLICT (singleton) DO UPDATE
       SET last_id = EXCLUDED.last_id, hash = EXCLUDED.hash, row_count = audit_head.row_count + 1`,
    [row!.id, hash],
  );
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
