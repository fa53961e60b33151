/**
 * A key's legacy value: what the service read before the migration, read the way the plan
 * read it (core/publish/publication.ts LegacySource): the same variable, the same conversion
 * (`POSTGRES_POOL_MAX=20` → 20), the same URL part. So `get('database.pool.max')` returns the
 * same number whether the flag points at the store or at the environment.
 */
import { splitConnectionUrl } from '../core/plan/connection-string.js';
import { convertValue } from '../core/plan/convert.js';
import type { LegacySource } from '../core/publish/publication.js';
import type { Json } from '../core/store/canonical.js';

export type LegacyEnv = Record<string, string | undefined>;

/** The value (undefined: the legacy source has none), or why the text could not be read. */
export type LegacyValue = { ok: true; value: Json | undefined } | { ok: false; reason: string };

export function legacyValue(source: LegacySource | undefined, env: LegacyEnv): LegacyValue {
  if (source === undefined) return { ok: true, value: undefined };
  if (source.from === undefined) return { ok: true, value: source.value };
  const text = env[source.from];
  if (text === undefined) return { ok: true, value: source.default };
  if (source.part !== undefined) {
    const split = splitConnectionUrl(text);
    if (!split.ok) return { ok: false, reason: `${source.from} is ${split.reason}` };
    const part = split.parts[source.part];
    return { ok: true, value: part === undefined ? source.default : (part as Json) };
  }
  if (source.credential || source.type === undefined) return { ok: true, value: text };
  const converted = convertValue(source.type, text);
  // The reason never quotes the text (convert.ts), so it may be reported.
  return converted.ok
    ? { ok: true, value: converted.value }
    : { ok: false, reason: `${source.from} is ${converted.reason}` };
}
