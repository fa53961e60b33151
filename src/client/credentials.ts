/**
 * Credentials in the client: the publication carries them encrypted (core/crypto/envelope.ts);
 * a service given the master key decrypts them here, in its own memory. Without the key a
 * read is a clear error naming the key, never a value. Decrypted values are kept for the
 * life of the client so a hot read does not pay for AES-GCM and HKDF each time.
 */
import { unseal } from '../core/crypto/envelope.js';
import type { Publication } from '../core/publish/publication.js';
import { refId, type CredentialRef } from '../core/store/credential-ref.js';
import { MissingKeyError } from './errors.js';

export interface CredentialReader {
  read(p: Publication, ref: CredentialRef): string;
}

export function credentialReader(masterKey: Buffer | null): CredentialReader {
  const plain = new Map<string, string>();
  return {
    read(p, ref) {
      if (masterKey === null) {
        throw new MissingKeyError(
          `${p.service}/${ref.environment}: ${ref.key} is a credential in the store; connect with \`masterKey\` to read it from there`,
        );
      }
      const id = refId(ref);
      const sealed = p.credentials[id];
      // The wrapped key binds service, environment, key and version: the cache key must too.
      const cacheKey = `${p.service}\u0000${id}\u0000${sealed?.keyId ?? ''}`;
      const hit = plain.get(cacheKey);
      if (hit !== undefined) return hit;
      if (!sealed)
        throw new Error(
          `${p.service}/${ref.environment}: ${ref.key} version ${ref.version} is not in the publication`,
        );
      const value = unseal(
        masterKey,
        { service: p.service, ...ref },
        {
          ciphertext: Buffer.from(sealed.ciphertext, 'base64'),
          iv: Buffer.from(sealed.iv, 'base64'),
          tag: Buffer.from(sealed.tag, 'base64'),
          wrappedKey: Buffer.from(sealed.wrappedKey, 'base64'),
          keyId: sealed.keyId,
        },
      );
      plain.set(cacheKey, value);
      return value;
    },
  };
}
