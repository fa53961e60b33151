/**
 * Questions about the secrets a configuration refers to, answered without a value leaving
 * this module: whether two references hold the same secret (`diff`), and their fingerprints
 * (`plan`). Every decryption is a logged read, as any read is.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Keyring } from '../../core/crypto/keyring.js';
import type { Json } from '../../core/store/canonical.js';
import { leaves, pairId } from '../../core/store/diff.js';
import type { CredentialRef } from '../../core/store/credential-ref.js';
import { CfgmigError } from '../../errors.js';
import { readCredentials } from './credentials.js';
import type { Db } from './db.js';

async function plaintext(
  db: Db,
  keys: Keyring,
  service: string,
  ref: CredentialRef,
  actor: string,
): Promise<string> {
  const [got] = await readCredentials(db, keys, { service, environment: ref.environment }, actor, {
    names: [ref.key],
    version: ref.version,
  });
  if (!got) throw missing(service, ref);
  return got.value;
}

function missing(service: string, ref: CredentialRef): CfgmigError {
  return new CfgmigError(
    'failed',
    `the configuration of ${service} refers to credential ${ref.environment}/${ref.key} version ${ref.version}, which the store does not hold`,
    {
      hint: 'The credential row is missing: restore it from a backup, or set the credential again and write a new configuration version.',
    },
  );
}

async function digest(
  db: Db,
  keys: Keyring,
  service: string,
  ref: CredentialRef,
  actor: string,
): Promise<Buffer> {
  return createHash('sha256')
    .update(await plaintext(db, keys, service, ref, actor), 'utf8')
    .digest();
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

/**
 * The fingerprint of every credential a configuration refers to, by its key in the
 * configuration: what `plan` compares with the sources' fingerprints to tell an unchanged
 * secret from a changed one without either value leaving memory.
 */
export async function referencedFingerprints(
  db: Db,
  keys: Keyring,
  service: string,
  data: Json,
  fingerprint: (value: string) => string,
  actor: string,
): Promise<Map<string, string>> {
  // One read per (environment, version) group rather than per credential: `apply` pins every
  // credential it writes at the same version, so a service's references mostly share one.
  const groups = new Map<string, { key: string; ref: CredentialRef }[]>();
  for (const [key, leaf] of leaves(data)) {
    if (!leaf.ref) continue;
    const id = JSON.stringify([leaf.ref.environment, leaf.ref.version]);
    groups.set(id, [...(groups.get(id) ?? []), { key, ref: leaf.ref }]);
  }
  const out = new Map<string, string>();
  for (const items of groups.values()) {
    const { environment, version } = items[0]!.ref;
    const got = await readCredentials(db, keys, { service, environment }, actor, {
      names: [...new Set(items.map((i) => i.ref.key))],
      version,
    });
    const byName = new Map(got.map((c) => [c.key, c.value]));
    for (const { key, ref } of items) {
      const value = byName.get(ref.key);
      if (value === undefined) throw missing(service, ref);
      out.set(key, fingerprint(value));
    }
  }
  return out;
}
