/**
 * The master keys a process holds: the primary one, which seals new credentials, and any
 * other it was given (the next key during a rotation), so rows wrapped under either can be
 * read while a rotation is half done.
 */
import { keyIdOf } from './envelope.js';

export interface Keyring {
  primary: Buffer;
  primaryId: string;
  byId: ReadonlyMap<string, Buffer>;
}

export function keyring(primary: Buffer, others: Buffer[] = []): Keyring {
  const byId = new Map<string, Buffer>();
  for (const k of [primary, ...others]) byId.set(keyIdOf(k), k);
  return { primary, primaryId: keyIdOf(primary), byId };
}

/**
 * The key that wrapped a row. An unknown id falls back to the primary key, whose unwrap
 * then fails with the message naming both key ids.
 */
export function keyFor(keys: Keyring, keyId: string): Buffer {
  return keys.byId.get(keyId) ?? keys.primary;
}
