/**
 * Envelope encryption of credentials, pure (no store, no files) so every failure mode is
 * unit-testable.
 *
 * Each credential version gets its own random 256-bit data key. The value is sealed with
 * AES-256-GCM under that data key; the data key is sealed (wrapped) with AES-256-GCM under a
 * key derived from the master key. Both seals carry the credential's address (service,
 * environment, key, version) as associated data, so a ciphertext or wrapped key copied onto
 * another row fails authentication instead of decrypting to the wrong credential.
 *
 * Rotating the master key re-wraps only the 60-byte wrapped keys: values are never touched.
 */
import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';
import { CfgmigError } from '../../errors.js';
import { deriveKey } from './fingerprint.js';

export interface CredentialAddress {
  service: string;
  environment: string;
  key: string;
  version: number;
}

export interface Sealed {
  ciphertext: Buffer;
  iv: Buffer;
  tag: Buffer;
  /** iv ‖ tag ‖ encrypted data key. */
  wrappedKey: Buffer;
  /** Which master key wrapped the data key (see keyIdOf). */
  keyId: string;
}

const IV_BYTES = 12; // GCM's natural nonce size; random nonces are safe because every data key is used once
const TAG_BYTES = 16;
const DATA_KEY_BYTES = 32;

/**
 * A public name for a master key: lets an error say "this row needs another key" and lets
 * `keys rotate` skip rows already done. Derived through HKDF and HMAC, so it reveals nothing
 * about the key; 64 bits are plenty to tell a handful of keys apart.
 */
export function keyIdOf(masterKey: Uint8Array): string {
  return derived(masterKey).keyId;
}

interface Derived {
  /** A copy of the key they were derived from: a caller may overwrite its buffer. */
  source: Buffer;
  keyId: string;
  wrappingKey: Buffer;
}

/**
 * What is derived from a master key, computed once per key instead of per credential: the
 * two HKDFs and the HMAC cost more than sealing a value does, and `apply` seals thousands.
 * Keyed by the key object (a process holds one or two), checked against a copy of its bytes
 * so a buffer reused for another key is never answered from the cache.
 */
const derivedCache = new WeakMap<Uint8Array, Derived>();

function derived(masterKey: Uint8Array): Derived {
  const hit = derivedCache.get(masterKey);
  if (hit && hit.source.equals(masterKey)) return hit;
  const idKey = deriveKey(masterKey, 'cfgmig key id v1');
  const entry: Derived = {
    source: Buffer.from(masterKey),
    keyId: `mk-${createHmac('sha256', idKey).update('key id').digest('hex').slice(0, 16)}`,
    wrappingKey: deriveKey(masterKey, 'cfgmig wrap v1'),
  };
  derivedCache.set(masterKey, entry);
  return entry;
}

function addressBytes(purpose: string, a: CredentialAddress): Buffer {
  // JSON of an array: unambiguous whatever characters the names hold.
  return Buffer.from(JSON.stringify([purpose, a.service, a.environment, a.key, a.version]), 'utf8');
}

function gcmSeal(key: Buffer, aad: Buffer, plaintext: Buffer): { iv: Buffer; tag: Buffer; ct: Buffer } {
  const iv = randomBytes(IV_BYTES);
  const c = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
  c.setAAD(aad);
  const ct = Buffer.concat([c.update(plaintext), c.final()]);
  return { iv, tag: c.getAuthTag(), ct };
}

/** Null when authentication fails: the caller knows which credential and says so. */
function gcmOpen(key: Buffer, aad: Buffer, iv: Buffer, tag: Buffer, ct: Buffer): Buffer | null {
  if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) return null;
  try {
    const d = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
    d.setAAD(aad);
    d.setAuthTag(tag);
    return Buffer.concat([d.update(ct), d.final()]);
  } catch {
    return null;
  }
}

function wrappingKey(masterKey: Uint8Array): Buffer {
  return derived(masterKey).wrappingKey;
}

function wrap(masterKey: Uint8Array, a: CredentialAddress, dataKey: Buffer): Buffer {
  const { iv, tag, ct } = gcmSeal(wrappingKey(masterKey), addressBytes('wrap', a), dataKey);
  return Buffer.concat([iv, tag, ct]);
}

function label(a: CredentialAddress): string {
  return `credential ${a.service}/${a.environment}/${a.key} version ${a.version}`;
}

function unwrap(
  masterKey: Uint8Array,
  a: CredentialAddress,
  s: Pick<Sealed, 'wrappedKey' | 'keyId'>,
): Buffer {
  const current = keyIdOf(masterKey);
  if (s.keyId !== current) {
    throw new CfgmigError(
      'failed',
      `${label(a)} is wrapped under master key ${s.keyId}, but the master key in use is ${current}`,
      {
        hint:
          'Use the master key this store was written with (CFGMIG_MASTER_KEY or .cfgmig/master.key). ' +
          'If a `cfgmig keys rotate` was interrupted, run it again to finish.',
      },
    );
  }
  const w = s.wrappedKey;
  const dataKey = gcmOpen(
    wrappingKey(masterKey),
    addressBytes('wrap', a),
    w.subarray(0, IV_BYTES),
    w.subarray(IV_BYTES, IV_BYTES + TAG_BYTES),
    w.subarray(IV_BYTES + TAG_BYTES),
  );
  if (!dataKey || dataKey.length !== DATA_KEY_BYTES) throw tampered(a);
  return dataKey;
}

function tampered(a: CredentialAddress): CfgmigError {
  return new CfgmigError('failed', `${label(a)} cannot be decrypted: the row was altered or moved`, {
    hint: 'The stored ciphertext does not authenticate for this service, environment, key and version. Restore the row from a backup or set the credential again.',
  });
}

export function seal(masterKey: Uint8Array, a: CredentialAddress, value: string): Sealed {
  const dataKey = randomBytes(DATA_KEY_BYTES);
  const { iv, tag, ct } = gcmSeal(dataKey, addressBytes('value', a), Buffer.from(value, 'utf8'));
  return { ciphertext: ct, iv, tag, wrappedKey: wrap(masterKey, a, dataKey), keyId: keyIdOf(masterKey) };
}

/** The plaintext, or a CfgmigError naming the credential (never its value): wrong key, altered or moved row. */
export function unseal(masterKey: Uint8Array, a: CredentialAddress, s: Sealed): string {
  const plain = gcmOpen(unwrap(masterKey, a, s), addressBytes('value', a), s.iv, s.tag, s.ciphertext);
  if (!plain) throw tampered(a);
  return plain.toString('utf8');
}

/** The data key re-wrapped under `newKey`; the value's ciphertext stays as it is. */
export function rewrap(
  oldKey: Uint8Array,
  newKey: Uint8Array,
  a: CredentialAddress,
  s: Pick<Sealed, 'wrappedKey' | 'keyId'>,
): Pick<Sealed, 'wrappedKey' | 'keyId'> {
  return { wrappedKey: wrap(newKey, a, unwrap(oldKey, a, s)), keyId: keyIdOf(newKey) };
}
