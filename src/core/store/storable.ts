/**
 * What JSON can say but the store cannot keep as written: PostgreSQL's jsonb and text refuse
 * the NUL character, and JSON.stringify turns NaN and ±Infinity into null. Both are caught
 * before writing, with the path, so the user gets exit 2 instead of a raw database error or
 * a value that silently changed.
 */
import { badInput } from '../../errors.js';

function problemAt(value: unknown, path: string): string | null {
  const at = path === '' ? 'the value' : path;
  if (typeof value === 'string')
    return value.includes('\u0000') ? `${at} contains a NUL character (\\u0000)` : null;
  if (typeof value === 'number')
    return Number.isFinite(value) ? null : `${at} is ${value}, which JSON cannot hold`;
  if (value === null || typeof value !== 'object') return null;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const p = problemAt(value[i], `${path}[${i}]`);
      if (p) return p;
    }
    return null;
  }
  for (const [k, v] of Object.entries(value)) {
    if (k.includes('\u0000')) return `a key under ${at} contains a NUL character (\\u0000)`;
    const p = problemAt(v, path === '' ? k : `${path}.${k}`);
    if (p) return p;
  }
  return null;
}

/** Throws exit 2 naming the first value of `data` the store could not keep as it is. */
export function assertStorable(what: string, data: unknown): void {
  const problem = problemAt(data, '');
  if (problem) {
    throw badInput(`${what}: ${problem}`, {
      hint: 'Remove the character or value, or store it encoded (for example base64), then retry.',
    });
  }
}
