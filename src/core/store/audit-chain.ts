/**
 * The audit log's hash chain, pure so it can be unit-tested without a store. Each row's
 * hash covers the previous row's hash and the row's own content, so editing or deleting a
 * row breaks the chain from that row on. (Deleting the newest rows leaves a shorter chain
 * that still verifies: the chain proves integrity, not completeness.)
 */
import { createHash } from 'node:crypto';
import { canonicalJson } from './canonical.js';

/** prev_hash of the first row: there is nothing before it. */
export const GENESIS_HASH = '0'.repeat(64);

export interface AuditContent {
  /** ISO 8601 with milliseconds, as written; the store keeps microseconds, so the writer sets it. */
  at: string;
  actor: string;
  action: string;
  subject: string;
  details: unknown;
}

export interface AuditRow extends AuditContent {
  id: number;
  prevHash: string;
  hash: string;
}

export function rowHash(prevHash: string, row: AuditContent): string {
  const { at, actor, action, subject, details } = row;
  return createHash('sha256')
    .update(canonicalJson({ prev: prevHash, at, actor, action, subject, details }))
    .digest('hex');
}

/**
 * Rows in id order, starting from the first row of the log (or `prevHash`, the hash of the
 * row before them, when verifying in batches). Returns the id of the first row whose link
 * or content does not match, or null when the chain is intact.
 */
export function verifyChain(rows: Iterable<AuditRow>, prevHash = GENESIS_HASH): number | null {
  let prev = prevHash;
  for (const row of rows) {
    if (row.prevHash !== prev || row.hash !== rowHash(prev, row)) return row.id;
    prev = row.hash;
  }
  return null;
}
