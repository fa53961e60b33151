/**
 * How a configuration version points at a credential without holding it:
 *
 *   { "$credential": { "environment": "production", "key": "DB_PASSWORD", "version": 3 } }
 *
 * The reference pins the credential version, so a configuration version says exactly which
 * secret it was written with, and rolling back to it (written again as a new version)
 * restores that secret too. The environment is part of the reference because a level of the
 * environment chain (e.g. `global`) may carry a reference that others inherit.
 */
import type { Json } from './canonical.js';

export interface CredentialRef {
  environment: string;
  key: string;
  version: number;
}

export function credentialRef(ref: CredentialRef): Json {
  return { $credential: { environment: ref.environment, key: ref.key, version: ref.version } };
}

/** The reference a JSON value holds, or null when it is an ordinary value. */
export function asCredentialRef(value: unknown): CredentialRef | null {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return null;
  const keys = Object.keys(value);
  if (keys.length !== 1 || keys[0] !== '$credential') return null;
  const r = (value as { $credential: unknown }).$credential as Partial<CredentialRef> | null;
  if (r === null || typeof r !== 'object') return null;
  if (typeof r.environment !== 'string' || typeof r.key !== 'string' || !Number.isSafeInteger(r.version)) {
    return null;
  }
  return { environment: r.environment, key: r.key, version: r.version! };
}

export function sameRef(a: CredentialRef, b: CredentialRef): boolean {
  return a.environment === b.environment && a.key === b.key && a.version === b.version;
}

export function refId(r: CredentialRef): string {
  return JSON.stringify([r.environment, r.key, r.version]);
}
