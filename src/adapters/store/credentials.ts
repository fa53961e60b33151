/**
 * The vault: versioned, envelope-encrypted credentials (core/crypto/envelope.ts does the
 * cryptography). Plaintext exists only in this process's memory: rows hold ciphertext and
 * wrapped data keys, the audit log and the access log hold names and version numbers.
 *
 * Every read and write of a value is recorded in credential_access_log ("who saw the
 * database password"), in the same transaction as the write, and before a read's value is
 * returned.
 */
import { seal, unseal, type CredentialAddress, type Sealed } from '../../core/crypto/envelope.js';
import { assertStorable } from '../../core/store/storable.js';
import { CfgmigError } from '../../errors.js';
import { AUDIT_LOCK_SQL, auditAppendSql, type AppendedRow } from './audit.js';
import type { Queryable } from './db.js';
import { Params } from './statement.js';
import { keyFor, type Keyring } from '../../core/crypto/keyring.js';

export interface CredentialScope {
  service: string;
  environment: string;
}

export interface CredentialInfo {
  key: string;
  version: number;
  keyId: string;
  author: string;
  createdAt: Date;
}

export interface CredentialValue {
  key: string;
  version: number;
  value: string;
}

/** A credential row's encrypted columns. */
export interface SealedRow {
  key: string;
  version: number;
  ciphertext: Buffer;
  iv: Buffer;
  tag: Buffer;
  wrapped_key: Buffer;
  key_id: string;
}

const SEALED_COLUMNS = 'key, version, ciphertext, iv, tag, wrapped_key, key_id';

export type AccessAction = 'read' | 'write' | 'rewrap';

/** The INSERT of one access-log row per credential, to run alone or as a CTE of a larger statement. */
function accessLogInsert(
  p: Params,
  actor: string,
  action: AccessAction,
  rows: (CredentialScope & { key: string; version: number })[],
): string {
  return `INSERT INTO credential_access_log (actor, action, service, environment, key, version)
     SELECT ${p.add(actor)}::text, ${p.add(action)}::text, s, e, k, v
       FROM unnest(${p.add(rows.map((r) => r.service))}::text[], ${p.add(rows.map((r) => r.environment))}::text[],
                   ${p.add(rows.map((r) => r.key))}::text[], ${p.add(rows.map((r) => r.version))}::int[]) AS t(s, e, k, v)`;
}

/** One access-log row per credential, in one statement. */
export async function logAccess(
  q: Queryable,
  actor: string,
  action: AccessAction,
  rows: (CredentialScope & { key: string; version: number })[],
): Promise<void> {
  if (rows.length === 0) return;
  const p = new Params();
  await q.query(accessLogInsert(p, actor, action, rows), p.values);
}

const hex = (b: Buffer): string => b.toString('hex');

/**
 * Stores a new version of each credential (version 1 for a new key), sealed under the
 * keyring's primary key, in the caller's transaction, with access-log and audit rows.
 * Returns the versions written. Two writers racing for the same next version hit the unique
 * constraint and one of them fails (exit 3 from the caller's mapping of 23505).
 */
export async function writeCredentials(
  tx: Queryable,
  keys: Keyring,
  scope: CredentialScope,
  items: { key: string; value: string }[],
  actor: string,
): Promise<{ key: string; version: number }[]> {
  if (items.length === 0) return [];
  const names = items.map((i) => i.key);
  // Values are encrypted and may hold anything; names and labels are text columns.
  assertStorable('credentials', { ...scope, actor, names });
  if (new Set(names).size !== names.length) {
    throw new CfgmigError(
      'badInput',
      `the same credential key is set twice for ${scope.service}/${scope.environment}`,
    );
  }
  // Three statements in all, because each round trip costs about as much as the work itself.
  // First the audit lock (see AUDIT_LOCK_SQL: it must come before the statement that appends)
  // and the current versions, which the ciphertexts are bound to, in one statement; the outer
  // join keeps the lock's row when there are no versions yet.
  const current = await tx.query<{ key: string | null; version: number | null }>(
    `SELECT c.key, c.version FROM (SELECT ${AUDIT_LOCK_SQL}) AS audit_lock
       LEFT JOIN LATERAL (SELECT key, max(version)::int AS version FROM credentials
                           WHERE service = $1 AND environment = $2 AND key = ANY($3::text[]) GROUP BY key) AS c
         ON true`,
    [scope.service, scope.environment, names],
  );
  const latest = new Map(current.flatMap((r) => (r.key === null ? [] : [[r.key, r.version ?? 0]])));
  const sealed = items.map((i) => {
    const address: CredentialAddress = { ...scope, key: i.key, version: (latest.get(i.key) ?? 0) + 1 };
    return { address, s: seal(keys.primary, address, i.value) };
  });
  const written = sealed.map((x) => ({ key: x.address.key, version: x.address.version }));
  // Then the credentials, their access-log rows and the audit row, in one statement.
  // bytea travels as hex text and is decoded in SQL: the one array encoding both pg and
  // PGlite agree on.
  const p = new Params();
  const insert = `INSERT INTO credentials
      (service, environment, key, version, ciphertext, iv, tag, wrapped_key, key_id, author)
    SELECT ${p.add(scope.service)}::text, ${p.add(scope.environment)}::text, k, v, decode(c, 'hex'), decode(i, 'hex'),
           decode(t, 'hex'), decode(w, 'hex'), ${p.add(keys.primaryId)}::text, ${p.add(actor)}::text
      FROM unnest(${p.add(written.map((x) => x.key))}::text[], ${p.add(written.map((x) => x.version))}::int[],
                  ${p.add(sealed.map((x) => hex(x.s.ciphertext)))}::text[], ${p.add(sealed.map((x) => hex(x.s.iv)))}::text[],
                  ${p.add(sealed.map((x) => hex(x.s.tag)))}::text[], ${p.add(sealed.map((x) => hex(x.s.wrappedKey)))}::text[])
        AS x(k, v, c, i, t, w)`;
  const accessed = accessLogInsert(
    p,
    actor,
    'write',
    written.map((w) => ({ ...scope, ...w })),
  );
  const audit = auditAppendSql(
    {
      actor,
      action: 'credential.write',
      subject: `${scope.service}/${scope.environment}`,
      details: { credentials: written },
    },
    p,
  );
  const [row] = await tx.query<AppendedRow>(
    `WITH ${audit.prev}, stored AS (${insert}), accessed AS (${accessed}), ${audit.ctes}
     SELECT prev_hash, hash FROM ${audit.row}`,
    p.values,
  );
  audit.check(row);
  return written;
}

/** The current version of every credential of a service and environment, without values. */
export async function listCredentials(db: Queryable, scope: CredentialScope): Promise<CredentialInfo[]> {
  const rows = await db.query<{
    key: string;
    version: number;
    key_id: string;
    author: string;
    created_at: Date;
  }>(
    `SELECT DISTINCT ON (key) key, version, key_id, author, created_at FROM credentials
      WHERE service = $1 AND environment = $2 ORDER BY key, version DESC`,
    [scope.service, scope.environment],
  );
  return rows.map((r) => ({
    key: r.key,
    version: r.version,
    keyId: r.key_id,
    author: r.author,
    createdAt: r.created_at,
  }));
}

function unsealRow(keys: Keyring, scope: CredentialScope, r: SealedRow): CredentialValue {
  const address: CredentialAddress = { ...scope, key: r.key, version: r.version };
  const s: Sealed = {
    ciphertext: r.ciphertext,
    iv: r.iv,
    tag: r.tag,
    wrappedKey: r.wrapped_key,
    keyId: r.key_id,
  };
  return { key: r.key, version: r.version, value: unseal(keyFor(keys, r.key_id), address, s) };
}

/**
 * Decrypts credentials of one service and environment: the current version of each of
 * `names` (every key when omitted), or `version` of a single key. Every value returned is
 * logged first, in one transaction with the read, so a value is never handed out unlogged.
 * A wrong master key, an altered or a moved row throws (naming the credential, never a value).
 */
export async function readCredentials(
  db: { transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> },
  keys: Keyring,
  scope: CredentialScope,
  actor: string,
  select: { names?: string[]; version?: number } = {},
): Promise<CredentialValue[]> {
  return db.transaction(async (tx) => {
    const rows =
      select.version !== undefined
        ? await tx.query<SealedRow>(
            `SELECT ${SEALED_COLUMNS} FROM credentials
              WHERE service = $1 AND environment = $2 AND key = ANY($3::text[]) AND version = $4`,
            [scope.service, scope.environment, select.names ?? [], select.version],
          )
        : await tx.query<SealedRow>(
            `SELECT DISTINCT ON (key) ${SEALED_COLUMNS} FROM credentials
              WHERE service = $1 AND environment = $2 AND ($3::text[] IS NULL OR key = ANY($3::text[]))
              ORDER BY key, version DESC`,
            [scope.service, scope.environment, select.names ?? null],
          );
    const values = rows.map((r) => unsealRow(keys, scope, r));
    await logAccess(
      tx,
      actor,
      'read',
      values.map((v) => ({ ...scope, key: v.key, version: v.version })),
    );
    return values;
  });
}
