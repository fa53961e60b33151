/**
 * Store locations as the user wrote them, made safe to print. Pure: no I/O, so it is the
 * single place that decides what of a URL may appear in messages, `store info` and logs.
 */

export type StoreSetting = { kind: 'embedded' } | { kind: 'postgres'; url: string };

/** `embedded` (or nothing) → PGlite; a postgres:// or postgresql:// URL → PostgreSQL; anything else is refused. */
export function parseStoreSetting(value: string | undefined): StoreSetting | { kind: 'invalid' } {
  const v = (value ?? '').trim();
  if (v === '' || v === 'embedded') return { kind: 'embedded' };
  if (/^postgres(ql)?:\/\//i.test(v)) return { kind: 'postgres', url: v };
  return { kind: 'invalid' };
}

/** The URL with its password replaced by `***`; an unparsable URL is not echoed at all. */
export function maskUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password !== '') u.password = '***';
    return u.toString();
  } catch {
    return '<unparsable store URL>';
  }
}

/** `host:port/database`, what an operator needs to find the server; never user or password. */
export function describeTarget(url: string): string {
  try {
    const u = new URL(url);
    const host = u.hostname === '' ? 'localhost' : u.hostname;
    const db = decodeURIComponent(u.pathname.replace(/^\//, '')) || '(default database)';
    return `${host}:${u.port || '5432'}/${db}`;
  } catch {
    return '<unparsable store URL>';
  }
}

/** Removes every occurrence of `secret` (raw and URL-encoded) from a message we did not write. */
export function scrub(message: string, secret: string): string {
  if (secret === '') return message;
  let decoded = secret;
  try {
    decoded = decodeURIComponent(secret);
  } catch {
    /* not valid percent-encoding: the raw form is all there is */
  }
  let out = message;
  for (const s of new Set([secret, decoded, encodeURIComponent(secret)])) {
    if (s !== '') out = out.split(s).join('***');
  }
  return out;
}
