/**
 * Fingerprints let a plan or a CI job say "this value is still the one we saw" without holding
 * it. A bare SHA-256 of a short password can be brute-forced offline, so the fingerprint is an
 * HMAC under a key derived (HKDF) from the master key: useless to anyone without that key.
 */
import { createHmac, hkdfSync } from 'node:crypto';

export type Fingerprinter = (value: string) => string;

export function deriveKey(masterKey: Uint8Array, purpose: string): Buffer {
  return Buffer.from(hkdfSync('sha256', masterKey, Buffer.from('cfgmig'), Buffer.from(purpose), 32));
}

export function fingerprinter(masterKey: Uint8Array): Fingerprinter {
  const key = deriveKey(masterKey, 'cfgmig fingerprint v1');
  return (value) => `hmac-sha256:${createHmac('sha256', key).update(value, 'utf8').digest('hex')}`;
}
