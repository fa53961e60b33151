/**
 * Canonical JSON: object keys sorted, no whitespace. The checksum of a configuration version
 * is taken over this form because jsonb does not keep key order or spacing, so the text we
 * wrote and the text we read back differ even when the data is the same.
 */
import { createHash } from 'node:crypto';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    const text = JSON.stringify(value);
    // undefined, functions, symbols: not JSON, and silently dropping them would checksum
    // something other than what is stored.
    if (text === undefined) throw new TypeError(`not JSON: ${typeof value}`);
    return text;
  }
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const keys = Object.keys(value).sort();
  const obj = value as Record<string, unknown>;
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`).join(',')}}`;
}

/** sha256 hex of the canonical JSON. */
export function checksumOf(data: unknown): string {
  return createHash('sha256').update(canonicalJson(data)).digest('hex');
}
