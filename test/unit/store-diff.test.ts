/**
 * The key-by-key difference `cfgmig diff` prints: leaves of nested objects, arrays as
 * wholes, unambiguous paths, and credential references reported only as changed/unchanged.
 */
import { describe, expect, it } from 'vitest';
import type { Json } from '../../src/core/store/canonical.js';
import { asCredentialRef, credentialRef } from '../../src/core/store/credential-ref.js';
import { diffConfigs, pairId, refPairsToCompare, summarise } from '../../src/core/store/diff.js';

const ref = (key: string, version: number, environment = 'production') =>
  credentialRef({ environment, key, version });

describe('diffConfigs', () => {
  it('reports added, removed, changed and unchanged leaves, sorted by path', () => {
    const from: Json = { db: { host: 'a', port: 5432, pool: { max: 5 } }, tags: ['x', 'y'], old: true };
    const to: Json = { db: { host: 'b', port: 5432, pool: { max: 5, min: 1 } }, tags: ['x'], added: null };
    expect(diffConfigs(from, to)).toEqual([
      { key: 'added', kind: 'config', change: 'added', to: null },
      { key: 'db.host', kind: 'config', change: 'changed', from: 'a', to: 'b' },
      { key: 'db.pool.max', kind: 'config', change: 'unchanged' },
      { key: 'db.pool.min', kind: 'config', change: 'added', to: 1 },
      { key: 'db.port', kind: 'config', change: 'unchanged' },
      { key: 'old', kind: 'config', change: 'removed', from: true },
      { key: 'tags', kind: 'config', change: 'changed', from: ['x', 'y'], to: ['x'] },
    ]);
  });

  it('treats arrays and empty objects as values, and compares arrays of objects regardless of key order', () => {
    expect(diffConfigs({ a: [{ x: 1, y: 2 }], e: {} }, { a: [{ y: 2, x: 1 }], e: {} })).toEqual([
      { key: 'a', kind: 'config', change: 'unchanged' },
      { key: 'e', kind: 'config', change: 'unchanged' },
    ]);
    expect(diffConfigs({ e: {} }, { e: { k: 1 } }).map((d) => [d.key, d.change])).toEqual([
      ['e', 'removed'],
      ['e.k', 'added'],
    ]);
  });

  it('writes keys holding dots or brackets so that paths cannot collide', () => {
    const keys = diffConfigs({}, { 'a.b': 1, a: { b: 2 }, 'x[0]': 3 }).map((d) => d.key);
    expect(keys).toEqual(['["a.b"]', '["x[0]"]', 'a.b']);
  });

  it('reports credentials as changed or unchanged without ever holding their values', () => {
    const from: Json = {
      DB_PASSWORD: ref('DB_PASSWORD', 1),
      API: ref('API', 2),
      GONE: ref('GONE', 1),
      PLAIN: 'x',
    };
    const to: Json = {
      DB_PASSWORD: ref('DB_PASSWORD', 2),
      API: ref('API', 2),
      NEW: ref('NEW', 1),
      PLAIN: ref('P', 1),
    };
    const entries = diffConfigs(from, to);
    expect(entries).toEqual([
      { key: 'API', kind: 'credential', change: 'unchanged' },
      { key: 'DB_PASSWORD', kind: 'credential', change: 'changed' },
      { key: 'GONE', kind: 'credential', change: 'removed' },
      { key: 'NEW', kind: 'credential', change: 'added' },
      { key: 'PLAIN', kind: 'credential', change: 'changed' },
    ]);
    expect(JSON.stringify(entries)).not.toContain('$credential');
    expect(summarise(entries)).toEqual({ added: 1, removed: 1, changed: 2, unchanged: 1 });
  });

  it('asks to compare only differing references, and takes an equal secret as unchanged', () => {
    const from: Json = { a: ref('A', 1), b: ref('B', 1), c: ref('C', 1, 'global') };
    const to: Json = { a: ref('A', 2), b: ref('B', 1), c: ref('C', 1, 'production') };
    const pairs = refPairsToCompare(from, to);
    expect(pairs).toEqual([
      [asCredentialRef(ref('A', 1)), asCredentialRef(ref('A', 2))],
      [asCredentialRef(ref('C', 1, 'global')), asCredentialRef(ref('C', 1))],
    ]);
    const same = new Set([pairId(...pairs[0]!)]);
    expect(diffConfigs(from, to, same).map((d) => [d.key, d.change])).toEqual([
      ['a', 'unchanged'],
      ['b', 'unchanged'],
      ['c', 'changed'],
    ]);
  });

  it('does not mistake look-alike objects for references', () => {
    for (const v of [
      { $credential: 'x' },
      { $credential: { environment: 'p', key: 'k' } },
      { $credential: { environment: 'p', key: 'k', version: 1 }, other: 1 },
    ]) {
      expect(asCredentialRef(v)).toBeNull();
    }
  });
});
