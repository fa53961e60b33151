/**
 * cfgmig/client's read path without any server: legacy values read the way the plan read
 * them, and each migration mode's choice of source, fallback and counting, over hand-built
 * publications. The servers (Redis, PostgreSQL, snapshot files) are in test/client/.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { legacyValue } from '../../src/client/legacy.js';
import { credentialReader } from '../../src/client/credentials.js';
import { MissingKeyError } from '../../src/client/errors.js';
import { Counter } from '../../src/client/metrics.js';
import { View, type ViewOptions } from '../../src/client/view.js';
import { seal } from '../../src/core/crypto/envelope.js';
import { bucketOf, onStore } from '../../src/core/flags/bucket.js';
import {
  legacyMapOf,
  makePublication,
  supersedes,
  type LegacyMap,
  type PublishedFlag,
} from '../../src/core/publish/publication.js';
import type { Json } from '../../src/core/store/canonical.js';
import type { FlagMode } from '../../src/core/store/lifecycle.js';

describe('legacy values', () => {
  const env = {
    POOL_MAX: '20',
    BAD_INT: 'twenty',
    TIMEOUT: '30s',
    DB_URL: 'postgres://app:pw@db.internal:5433/orders',
    LIST: 'a, b,,c',
  };
  it.each<[string, LegacyMap[string] | undefined, ReturnType<typeof legacyValue>]>([
    ['no legacy source', undefined, { ok: true, value: undefined }],
    ['text as it is', { from: 'POOL_MAX' }, { ok: true, value: '20' }],
    ['integer', { from: 'POOL_MAX', type: 'integer' }, { ok: true, value: 20 }],
    ['duration in ms', { from: 'TIMEOUT', type: 'duration' }, { ok: true, value: 30_000 }],
    ['list', { from: 'LIST', type: 'list' }, { ok: true, value: ['a', 'b', 'c'] }],
    ['URL host', { from: 'DB_URL', part: 'host' }, { ok: true, value: 'db.internal' }],
    ['URL port', { from: 'DB_URL', part: 'port' }, { ok: true, value: 5433 }],
    [
      'URL password (a credential)',
      { from: 'DB_URL', part: 'password', credential: true },
      { ok: true, value: 'pw' },
    ],
    ['unset: the default', { from: 'MISSING', type: 'integer', default: 7 }, { ok: true, value: 7 }],
    ['unset, no default', { from: 'MISSING' }, { ok: true, value: undefined }],
    ['a config-file value', { value: 42 }, { ok: true, value: 42 }],
    ['a hardcoded credential', { credential: true }, { ok: true, value: undefined }],
    [
      'unconvertible',
      { from: 'BAD_INT', type: 'integer' },
      { ok: false, reason: 'BAD_INT is not an integer' },
    ],
    [
      'not a URL',
      { from: 'POOL_MAX', part: 'host' },
      { ok: false, reason: 'POOL_MAX is not a connection URL (scheme://…)' },
    ],
  ])('%s', (_name, source, want) => {
    expect(legacyValue(source, env)).toEqual(want);
  });

  it('a plan maps env keys to their variable and conversion, other sources to their value', () => {
    const src = (kind: 'env-file' | 'compose' | 'config-file' | 'hardcoded', name: string) => ({
      file: 'f',
      line: 1,
      kind,
      name,
    });
    expect(
      legacyMapOf([
        {
          op: 'set',
          key: 'pool.max',
          kind: 'setting',
          value: 20,
          type: 'integer',
          source: src('env-file', 'POOL_MAX'),
        },
        {
          op: 'unchanged',
          key: 'db.host',
          kind: 'setting',
          value: 'h',
          part: 'host',
          source: src('compose', 'DB_URL'),
        },
        {
          op: 'set-credential',
          key: 'db.password',
          kind: 'credential',
          part: 'password',
          source: src('compose', 'DB_URL'),
        },
        {
          op: 'set',
          key: 'log.level',
          kind: 'setting',
          value: 'info',
          defaulted: true,
          source: src('env-file', 'LOG_LEVEL'),
        },
        { op: 'set', key: 'risk.max', kind: 'setting', value: 5, source: src('config-file', 'risk.max') },
        { op: 'set-credential', key: 'token', kind: 'credential', source: src('hardcoded', 'token') },
        { op: 'remove', key: 'old', kind: 'setting', previous: 1 },
      ]),
    ).toEqual({
      'pool.max': { from: 'POOL_MAX', type: 'integer' },
      'db.host': { from: 'DB_URL', part: 'host' },
      'db.password': { from: 'DB_URL', part: 'password', credential: true },
      'log.level': { from: 'LOG_LEVEL', default: 'info' },
      'risk.max': { value: 5 },
      token: { credential: true },
    });
  });
});

const SERVICE = 'orders';
const masterKey = randomBytes(32);
const SECRET = `MARKER-${randomBytes(6).toString('hex')}`;

function publication(
  flags: PublishedFlag[],
  config: Json = { pool: { max: 40 }, db: { host: 'store-host' } },
) {
  const sealed = seal(
    masterKey,
    { service: SERVICE, environment: 'production', key: 'db.password', version: 1 },
    SECRET,
  );
  const b64 = (b: Buffer) => b.toString('base64');
  return makePublication({
    service: SERVICE,
    environment: 'production',
    version: 3,
    checksum: 'c',
    flagsVersion: 9,
    flags,
    config: {
      ...(config as object),
      db: {
        ...((config as { db?: object }).db ?? {}),
        password: { $credential: { environment: 'production', key: 'db.password', version: 1 } },
      },
    },
    credentials: {
      [JSON.stringify(['production', 'db.password', 1])]: {
        ciphertext: b64(sealed.ciphertext),
        iv: b64(sealed.iv),
        tag: b64(sealed.tag),
        wrappedKey: b64(sealed.wrappedKey),
        keyId: sealed.keyId,
      },
    },
    legacy: {
      'pool.max': { from: 'POOL_MAX', type: 'integer' },
      'db.host': { from: 'DB_HOST' },
      'db.password': { from: 'DB_PASSWORD', credential: true },
      'only.legacy': { from: 'ONLY_LEGACY' },
    },
  });
}

const flag = (mode: FlagMode, percentBp = 0, key = '*'): PublishedFlag => ({ key, mode, percentBp });

function view(flags: PublishedFlag[], opts: Partial<ViewOptions> = {}) {
  return new View(publication(flags), {
    service: SERVICE,
    legacy: { POOL_MAX: '20', DB_HOST: 'legacy-host', DB_PASSWORD: 'legacy-pw', ONLY_LEGACY: 'x' },
    stickiness: 'instance',
    instanceId: 'i-1',
    credentials: credentialReader(masterKey),
    ...opts,
  });
}

describe('migration modes', () => {
  it('legacy_only reads the environment, converted as the plan did', () => {
    const v = view([flag('legacy_only')]);
    expect(v.read('pool.max')).toMatchObject({ value: 20, served: Counter.legacyOk, extra: null });
    expect(v.read('db.password')).toMatchObject({ value: 'legacy-pw', credential: true });
  });

  it('no flags at all is legacy_only', () => {
    expect(view([]).read('pool.max').value).toBe(20);
  });

  it('legacy_with_validation returns legacy values and counts the store values that differ', () => {
    const v = view([flag('legacy_with_validation')]);
    expect(v.read('pool.max')).toMatchObject({
      value: 20,
      served: Counter.legacyOk,
      extra: Counter.newMismatch,
    });
    expect(v.read('db.password')).toMatchObject({ value: 'legacy-pw', extra: Counter.newMismatch });
    const same = new View(publication([flag('legacy_with_validation')]), {
      service: SERVICE,
      legacy: { POOL_MAX: '40', DB_HOST: 'store-host', DB_PASSWORD: SECRET },
      stickiness: 'instance',
      instanceId: 'i',
      credentials: credentialReader(masterKey),
    });
    for (const key of ['pool.max', 'db.host', 'db.password'])
      expect(same.read(key), key).toMatchObject({ served: Counter.legacyOk, extra: null });
  });

  it('new_only reads the store and decrypts credentials with the master key', () => {
    const v = view([flag('new_only', 10_000)]);
    expect(v.read('pool.max')).toMatchObject({ value: 40, served: Counter.newOk });
    expect(v.read('db.password')).toMatchObject({ value: SECRET, served: Counter.newOk, credential: true });
    // A key the store does not hold has no value there (the caller's default applies).
    expect(v.read('only.legacy')).toMatchObject({ value: undefined, served: Counter.newOk });
  });

  it('new_only without the master key: reading a credential is an error naming it, never a value', () => {
    const v = view([flag('new_only', 10_000)], { credentials: credentialReader(null) });
    const o = v.read('db.password');
    expect(o.error).toBeInstanceOf(MissingKeyError);
    expect(o.error!.message).toContain('db.password');
    expect(o.error!.message).toContain('masterKey');
    expect(o.error!.message).not.toContain(SECRET);
    expect(v.read('pool.max').value).toBe(40);
  });

  it('new_with_fallback falls back to legacy when the store read fails or lacks the key', () => {
    const v = view([flag('new_with_fallback', 10_000)], { credentials: credentialReader(null) });
    expect(v.read('db.password')).toMatchObject({
      value: 'legacy-pw',
      served: Counter.legacyFallback,
      extra: Counter.newError,
    });
    expect(v.read('only.legacy')).toMatchObject({ value: 'x', served: Counter.legacyFallback, extra: null });
    expect(v.read('pool.max')).toMatchObject({ value: 40, served: Counter.newOk });
  });

  it('new_with_fallback sends a key to the store exactly when its sticky bucket is below the percentage', () => {
    const keys = ['pool.max', 'db.host'];
    for (const bp of [0, 100, 2500, 5000, 7500, 9999, 10_000]) {
      for (let i = 0; i < 40; i++) {
        const id = `instance-${i}`;
        const v = view([flag('new_with_fallback', bp)], { instanceId: id });
        for (const key of keys) {
          const want = onStore(bucketOf(SERVICE, key, id), bp) ? Counter.newOk : Counter.legacyOk;
          expect(v.read(key).served, `${key} ${id} ${bp}`).toBe(want);
          // Sticky: the same instance reads the same way every time.
          expect(v.read(key).served).toBe(want);
        }
      }
    }
  });

  it("stickiness 'read' draws each read: at 50% both sources serve", () => {
    const v = view([flag('new_with_fallback', 5000)], { stickiness: 'read' });
    const served = new Set<number | null>();
    for (let i = 0; i < 200; i++) served.add(v.read('pool.max').served);
    expect(served).toEqual(new Set([Counter.newOk, Counter.legacyOk]));
  });

  it('a key flag overrides the service flag', () => {
    const v = view([flag('new_only', 10_000), flag('legacy_only', 0, 'pool.max')]);
    expect(v.read('pool.max').value).toBe(20);
    expect(v.read('db.host').value).toBe('store-host');
  });

  it('a legacy value that cannot be converted is a legacy error, not a wrong value', () => {
    const v = view([flag('legacy_only')], { legacy: { POOL_MAX: 'many' } });
    expect(v.read('pool.max')).toMatchObject({ value: undefined, served: Counter.legacyError });
  });

  it('knows the store and legacy keys; sections and unknown keys are neither read nor counted', () => {
    const v = view([flag('new_only', 10_000), flag('legacy_only', 0, 'db.host')]);
    expect(v.keys()).toEqual(['db.host', 'db.password', 'only.legacy', 'pool.max']);
    expect(v.keysUnder('db')).toEqual(['db.host', 'db.password']);
    // A section is read key by key (the client nests them), so db.host's own flag holds.
    expect(v.read('db')).toMatchObject({ section: true, served: null });
    expect(v.read('nobody.has.this')).toMatchObject({ value: undefined, served: null, extra: null });
  });
});

describe('publication order', () => {
  it('a publication behind on version or flag version never replaces a newer one', () => {
    const p = publication([flag('legacy_only')]);
    const newerFlags = makePublication({ ...p, flagsVersion: p.flagsVersion + 1 });
    const olderVersion = makePublication({ ...newerFlags, version: p.version - 1 });
    expect(supersedes(p, null)).toBe(true);
    expect(supersedes(newerFlags, p)).toBe(true);
    expect(supersedes(p, newerFlags)).toBe(false);
    expect(supersedes(olderVersion, newerFlags)).toBe(false);
    expect(supersedes(p, p)).toBe(false);
  });
});
