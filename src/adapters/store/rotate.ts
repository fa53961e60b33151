/**
 * Master key rotation: every credential's data key re-wrapped under the new master key,
 * values untouched. Rows are done in batches, each batch one transaction, selected by
 * "not yet under the new key id": an interrupted rotation (Ctrl-C, crash, lost connection)
 * resumes where it stopped when run again, and a half-done batch is rolled back whole.
 */
import { keyIdOf, rewrap } from '../../core/crypto/envelope.js';
import { appendAudit } from './audit.js';
import { logAccess } from './credentials.js';
import type { Db } from './db.js';

export interface RotationResult {
  oldKeyId: string;
  newKeyId: string;
  /** Rows re-wrapped by this run. */
  rewrapped: number;
  /** Rows already under the new key when this run started (an earlier, interrupted run). */
  alreadyDone: number;
}

interface Row {
  service: string;
  environment: string;
  key: string;
  version: number;
  wrapped_key: Buffer;
  key_id: string;
}

const BATCH = 500;

export async function rotateMasterKey(
  db: Db,
  oldKey: Buffer,
  newKey: Buffer,
  actor: string,
  onProgress: (done: number, total: number) => void = () => undefined,
  signal?: AbortSignal,
): Promise<RotationResult> {
  const newKeyId = keyIdOf(newKey);
  const [counts] = await db.query<{ done: number; total: number }>(
    'SELECT count(*) FILTER (WHERE key_id = $1)::int AS done, count(*)::int AS total FROM credentials',
    [newKeyId],
  );
  const alreadyDone = counts?.done ?? 0;
  const total = counts?.total ?? 0;
  let rewrapped = 0;
  for (;;) {
    signal?.throwIfAborted();
    const n = await db.transaction(async (tx) => {
      // FOR UPDATE: a concurrent rotation waits for this batch instead of re-wrapping the same rows.
      const rows = await tx.query<Row>(
        `SELECT service, environment, key, version, wrapped_key, key_id FROM credentials
          WHERE key_id <> $1 ORDER BY service, environment, key, version LIMIT ${BATCH} FOR UPDATE`,
        [newKeyId],
      );
      if (rows.length === 0) return 0;
      // A row under neither key throws here (naming it), and the batch is rolled back.
      const moved = rows.map((r) => ({
        r,
        w: rewrap(oldKey, newKey, r, { wrappedKey: r.wrapped_key, keyId: r.key_id }),
      }));
      await tx.query(
        `UPDATE credentials c SET wrapped_key = decode(x.w, 'hex'), key_id = $1
           FROM unnest($2::text[], $3::text[], $4::text[], $5::int[], $6::text[]) AS x(s, e, k, v, w)
          WHERE c.service = x.s AND c.environment = x.e AND c.key = x.k AND c.version = x.v`,
        [
          newKeyId,
          moved.map((m) => m.r.service),
          moved.map((m) => m.r.environment),
          moved.map((m) => m.r.key),
          moved.map((m) => m.r.version),
          moved.map((m) => m.w.wrappedKey.toString('hex')),
        ],
      );
      await logAccess(tx, actor, 'rewrap', rows);
      return rows.length;
    });
    if (n === 0) break;
    rewrapped += n;
    onProgress(alreadyDone + rewrapped, total);
  }
  const result = { oldKeyId: keyIdOf(oldKey), newKeyId, rewrapped, alreadyDone };
  await db.transaction((tx) =>
    appendAudit(tx, { actor, action: 'keys.rotate', subject: 'credentials', details: { ...result } }),
  );
  return result;
}
