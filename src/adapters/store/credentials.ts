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
import { appendAudit } from './audit.js';
import type { Queryable } from './db.js';
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

interface SealedRow {
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

/** One access-log row per credential, in one statement. */
export async function logAccess(
  q: Queryable,
  actor: string,
  action: AccessAction,
  rows: (CredentialScope & { key: string; version: number })[],
): Promise<void> {
  if (rows.length === 0) return;
  await q.query(
    `INSERT INTO credential_access_log (actor, action, service, environment, key, version)
     SELECT $1, $2, s, e, k, v FROM unnest($3::text[], $4::text[], $5::text[], $6::int[]) AS t(s, e, k, v)`,
    [
      actor,
      action,
      rows.map((r) => r.service),
      rows.map((r) => r.environment),
      rows.map((r) => r.key),
      rows.map((r) => r.version),
    ],
  );
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
  const current = await tx.query<{ key: string; version: number }>(
    `SELECT key, max(version)::int AS version FROM credentials
      WHERE service = $1 AND environment = $2 AND key = ANY($3::text[]) GROUP BY key`,
    [scope.service, scope.environment, names],
  );
  const latest = new Map(current.map((r) => [r.key, r.version]));
  const sealed = items.map((i) => {
    const address: CredentialAddress = { ...scope, key: i.key, version: (latest.get(i.key) ?? 0) + 1 };
    return { address, s: seal(keys.primary, address, i.value) };
  });
  // bytea travels as hex text and is decoded in SQL: the one array encoding both pg and
  // PGlite agree on.
  await tx.query(
    `INSERT INTO credentials (service, environment, key, version, ciphertext, iv, tag, wrapped_key, key_id, author)
     SELECT $1, $2, k, v, decode(c, 'hex'), decode(i, 'hex'), decode(t, 'hex'), decode(w, 'hex'), $3, $4
       FROM unnest($5::text[], $6::int[], $7::text[], $8::text[], $9::text[], $10::text[]) AS x(k, v, c, i, t, w)`,
    [
      scope.service,
      scope.environment,
      keys.primaryId,
      actor,
      sealed.map((x) => x.address.key),
      sealed.map((x) => x.address.version),
      sealed.map((x) => hex(x.s.ciphertext)),
      sealed.map((x) => hex(x.s.iv)),
      sealed.map((x) => hex(x.s.tag)),
      sealed.map((x) => hex(x.s.wrappedKey)),
    ],
  );
  const written = sealed.map((x) => ({ key: x.address.key, version: x.address.version }));
  await logAccess(
    tx,
    actor,
    'write',
    written.map((w) => ({ ...scope, ...w })),
  );
  await appendAudit(tx, {
    actor,
    action: 'credential.write',
    subject: `${scope.service}/${scope.environment}`,
    details: { credentials: written },
  });
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
