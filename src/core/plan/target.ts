/**
 * Dotted target paths ↔ the nested JSON a configuration version holds. `database.pool.max`
 * becomes { database: { pool: { max } } }. A path segment holding a dot is written as
 * ["a.b"] (as diff.ts writes it), so every path round-trips.
 */
import { badInput } from '../../errors.js';
import type { Json } from '../store/canonical.js';

export function splitPath(path: string): string[] {
  const out: string[] = [];
  const re = /\[("(?:[^"\\]|\\.)*")\]|([^.[\]]+)/gy;
  let at = 0;
  while (at < path.length) {
    re.lastIndex = at;
    const m = re.exec(path);
    if (!m) throw badInput(`invalid configuration key "${path}"`);
    out.push(m[1] !== undefined ? (JSON.parse(m[1]) as string) : m[2]!);
    at = re.lastIndex;
    if (path[at] === '.') at++;
  }
  if (out.length === 0) throw badInput('empty configuration key');
  return out;
}

/**
 * Builds the nested document. A key that is both a value and a section (`db` = "x" and
 * `db.host` = "y") cannot be written as JSON: refused, naming both.
 */
export function nest(entries: Iterable<[string, Json]>): { [key: string]: Json } {
  const root: { [key: string]: Json } = {};
  const owner = new Map<object, string>();
  for (const [path, value] of entries) {
    const parts = splitPath(path);
    let node = root;
    for (let i = 0; i < parts.length - 1; i++) {
      const k = parts[i]!;
      const next = Object.hasOwn(node, k) ? node[k] : undefined;
      if (next === undefined) {
        const child: { [key: string]: Json } = {};
        Object.defineProperty(node, k, {
          value: child,
          enumerable: true,
          writable: true,
          configurable: true,
        });
        owner.set(child, parts.slice(0, i + 1).join('.'));
        node = child;
      } else if (next !== null && typeof next === 'object' && !Array.isArray(next) && owner.has(next)) {
        node = next;
      } else {
        throw badInput(
          `configuration key ${parts.slice(0, i + 1).join('.')} is a value, so ${path} cannot be set under it`,
        );
      }
    }
    const last = parts.at(-1)!;
    if (Object.hasOwn(node, last)) throw badInput(`configuration key ${path} is set twice, or is a section`);
    Object.defineProperty(node, last, { value, enumerable: true, writable: true, configurable: true });
  }
  return root;
}
