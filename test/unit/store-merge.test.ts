import { describe, expect, it } from 'vitest';
import { canonicalJson, checksumOf, type Json } from '../../src/core/store/canonical.js';
import { deepMerge, effectiveChain, type EnvironmentDef } from '../../src/core/store/merge.js';
import { CfgmigError } from '../../src/errors.js';

describe('canonical JSON', () => {
  it.each<[unknown, string]>([
    [{ b: 1, a: { d: [3, { z: 1, y: 2 }], c: null } }, '{"a":{"c":null,"d":[3,{"y":2,"z":1}]},"b":1}'],
    [[], '[]'],
    ['x"y', '"x\\"y"'],
    [1.5, '1.5'],
    [{}, '{}'],
  ])('%j → %s', (value, text) => {
    expect(canonicalJson(value)).toBe(text);
  });

  it('checksums the same data the same regardless of key order', () => {
    expect(checksumOf({ a: 1, b: [1, 2] })).toBe(checksumOf({ b: [1, 2], a: 1 }));
    expect(checksumOf({ a: 1 })).toMatch(/^[0-9a-f]{64}$/);
    expect(checksumOf({ a: 1 })).not.toBe(checksumOf({ a: 2 }));
  });

  it('refuses values that are not JSON rather than dropping them', () => {
    expect(() => canonicalJson({ a: undefined })).toThrow(/not JSON/);
  });
});

describe('deepMerge', () => {
  it.each<[string, Json, Json, Json]>([
    [
      'merges objects recursively',
      { db: { host: 'a', port: 1 } },
      { db: { host: 'b' } },
      { db: { host: 'b', port: 1 } },
    ],
    ['replaces arrays', { hosts: ['a', 'b'] }, { hosts: ['c'] }, { hosts: ['c'] }],
    ['replaces scalars', { n: 1 }, { n: 'x' }, { n: 'x' }],
    ['null in the override replaces', { db: { host: 'a' } }, { db: null }, { db: null }],
    ['an object replaces a scalar', { db: 'x' }, { db: { a: 1 } }, { db: { a: 1 } }],
    ['a scalar replaces an object', { db: { a: 1 } }, { db: 2 }, { db: 2 }],
    ['keeps keys only in the base and adds new ones', { a: 1 }, { b: 2 }, { a: 1, b: 2 }],
  ])('%s', (_name, base, override, expected) => {
    expect(deepMerge(base, override)).toEqual(expected);
  });

  it('treats "__proto__" and "constructor" as plain keys', () => {
    const override = JSON.parse('{"__proto__":{"polluted":1},"constructor":{"a":1}}') as Json;
    const out = deepMerge({ constructor: { b: 2 } }, override) as Record<string, unknown>;
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(Object.hasOwn(out, '__proto__')).toBe(true);
    expect(out.constructor).toEqual({ a: 1, b: 2 });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(canonicalJson(out)).toBe('{"__proto__":{"polluted":1},"constructor":{"a":1,"b":2}}');
  });

  it('does not modify its inputs', () => {
    const base: Json = { a: { b: 1 } };
    deepMerge(base, { a: { c: 2 } });
    expect(base).toEqual({ a: { b: 1 } });
  });
});

describe('effectiveChain', () => {
  const envs = (spec: Record<string, string[]>): EnvironmentDef[] =>
    Object.entries(spec).map(([name, inherits]) => ({ name, inherits }));

  it.each<[string, Record<string, string[]>, string, string[]]>([
    ['a root', { global: [] }, 'global', ['global']],
    ['global → production', { global: [], production: ['global'] }, 'production', ['global', 'production']],
    [
      'three levels',
      { global: [], eu: ['global'], 'prod-eu': ['eu'] },
      'prod-eu',
      ['global', 'eu', 'prod-eu'],
    ],
    [
      'a diamond merges the shared ancestor once',
      { g: [], a: ['g'], b: ['g'], c: ['a', 'b'] },
      'c',
      ['g', 'a', 'b', 'c'],
    ],
  ])('%s', (_name, spec, name, chain) => {
    expect(effectiveChain(envs(spec), name)).toEqual(chain);
  });

  it.each<[string, Record<string, string[]>, string, string]>([
    ['a cycle', { a: ['b'], b: ['a'] }, 'a', 'environment inheritance cycle: a → b → a'],
    ['a cycle above', { p: ['a'], a: ['b'], b: ['a'] }, 'p', 'environment inheritance cycle: a → b → a'],
    ['self', { a: ['a'] }, 'a', 'environment inheritance cycle: a → a'],
    [
      'an unknown parent',
      { production: ['global'] },
      'production',
      'environment "production" inherits from unknown environment "global"',
    ],
    ['an unknown environment', {}, 'staging', 'unknown environment "staging"'],
  ])('refuses %s with exit 2', (_name, spec, name, message) => {
    let err: unknown;
    try {
      effectiveChain(envs(spec), name);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(CfgmigError);
    expect((err as CfgmigError).exitCode).toBe(2);
    expect((err as CfgmigError).message).toBe(message);
  });
});
