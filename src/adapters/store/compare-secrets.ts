/**
 * Whether two credential references hold the same secret, for `diff`: both are decrypted
 * (each read logged in the access log, as any read is) and compared in constant time; the
 * values never leave this function.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Keyring } from '../../core/crypto/keyring.js';
import { pairId } from '../../core/store/diff.js';
import type { CredentialRef } from '../../core/store/credential-ref.js';
import { CfgmigError } from '../../errors.js';
import { readCredentials } from './credentials.js';
import type { Db } from './db.js';

async function digest(
  db: Db,
  keys: Keyring,
  service: string,
  ref: CredentialRef,
  actor: string,
): Promise<Buffer> {
  const [got] = await readCredentials(db, keys, { service, environment: ref.environment }, actor, {
    names: [ref.key],
    version: ref.version,
  });
  if (!got) {
    throw new CfgmigError(
      'failed',
      `the configuration of ${service} refers to credential ${ref.environment}/${ref.key} version ${ref.version}, which the store does not hold`,
      {
        hint: 'The credential row is missing: restore it from a backup, or set the credential again and write a new configuration version.',
      },
    );
  }
  return createHash('sha256').update(got.value, 'utf8').digest();
}

/** The pairIds of `pairs` whose two secrets are equal. */
export async function equalSecrets(
  db: Db,
  keys: Keyring,
  service: string,
  pairs: [CredentialRef, CredentialRef][],
  actor: string,
): Promise<Set<string>> {
  const same = new Set<string>();
  for (const [a, b] of pairs) {
    const [da, dbb] = [await digest(db, keys, service, a, actor), await digest(db, keys, service, b, actor)];
    if (timingSafeEqual(da, dbb)) same.add(pairId(a, b));
  }
  return same;
}
